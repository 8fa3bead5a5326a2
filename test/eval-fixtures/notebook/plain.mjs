export const plain = "plain ESM beside the notebook";

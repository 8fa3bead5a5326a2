/** Every op family (see ../descriptor.ts): one file per kind of op. */
export * from "./conv.js";
export * from "./pool.js";
export * from "./linear.js";
export * from "./view.js";
export * from "./join.js";
export * from "./resize.js";
export * from "./pad.js";
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./norm.js";
export * from "./sequence.js";
export * from "./conv-nd.js";
export * from "./pool1d.js";
export * from "./pool3d.js";
export * from "./fold.js";
export * from "./slice.js";

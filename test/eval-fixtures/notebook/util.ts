// A TypeScript file beside the notebook, imported by cells as "./util.js" or "./util.ts".
import { scale } from "./scale.js";

export interface Point {
  x: number;
  y: number;
}

export function norm(p: Point): number {
  return Math.hypot(p.x, p.y) * scale;
}

export default "util";

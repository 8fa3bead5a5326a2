import { Shape } from "../shapes.js";
/** Counts a shape's sides. */
export declare function helper(shape: Shape): number;
declare global {
    interface PackedGlobal {
        ok: true;
    }
}

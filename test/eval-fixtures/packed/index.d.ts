/// <reference path="./globals.d.ts" />
/// <reference types="node" />
import type { Extra } from "extra-types";
import type { BufferLike } from "buffer-like";
export * from "./shapes.js";
export { helper } from "./util/helper.js";
/** The fixture's version. */
export declare const version: string;
export declare function extra(): Extra;
export declare function bufferLike(): BufferLike;

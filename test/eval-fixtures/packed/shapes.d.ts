/**
 * A shape with a private field, so only its own declaration is assignable to it.
 */
export declare class Shape {
    private tag;
    constructor(sides: number);
    readonly sides: number;
}
declare const secret: number;
export {};

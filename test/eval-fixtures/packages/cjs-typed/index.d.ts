export declare function add(a: number, b: number): number;
export declare const version: string;

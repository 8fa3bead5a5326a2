declare var packedCounter: number;
declare module "buffer-like" {
    export interface BufferLike {
        ambient: true;
    }
}

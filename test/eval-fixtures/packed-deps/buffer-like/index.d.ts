export interface BufferLike {
    fromThePackage: true;
}

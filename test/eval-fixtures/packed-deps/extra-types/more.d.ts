export interface Extra {
    extra: number;
}

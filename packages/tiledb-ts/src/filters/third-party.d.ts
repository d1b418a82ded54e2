// Type declarations for the untyped bzip2 packages (only what the bzip2 filter uses).
declare module "seek-bzip" {
  const seekBzip: { decode(input: Uint8Array, output?: Uint8Array): Buffer };
  export default seekBzip;
}
declare module "compressjs" {
  const compressjs: {
    Bzip2: { compressFile(input: Uint8Array, output?: unknown, blockSizeMultiplier?: number): number[] | Uint8Array };
  };
  export default compressjs;
}

/**
 * zstd-napi (the native addon tiledb-ts decodes with) against node:zlib's built-in zstd (Node >= 22.15), side by
 * side in one run, on Census-shaped tiles: float32 counts (mostly small integers) byte-shuffled as TileDB-SOMA's X
 * filters leave them, 1 MiB each, compressed at level 9 (decode) and level 3 (encode, the cube's cap).
 *
 *   pnpm --filter @census-cube/bench bench:zstd        (run it under each Node version to compare)
 *
 * Decoding is what a build spends its zstd time on. zstd-napi decodes into the caller's buffer; node:zlib
 * returns a new one, so its figure includes that allocation, as a switch would (with one output chunk per tile,
 * its fastest setting).
 */
import { createRequire } from "node:module";
import zlib from "node:zlib";
import { xorshift32 } from "@census-cube/test-support";

type Binding = {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
};
const require = createRequire(new URL("../../../packages/tiledb-ts/package.json", import.meta.url));
const napi = require("zstd-napi/binding") as Binding;
const builtin = zlib as unknown as {
  zstdCompressSync?: (b: Uint8Array, o?: object) => Buffer;
  zstdDecompressSync?: (b: Uint8Array, o?: object) => Buffer;
  constants: Record<string, number>;
};
if (!builtin.zstdDecompressSync || !builtin.zstdCompressSync) {
  console.error(`node:zlib has no zstd in Node ${process.version} (it came in 22.15)`);
  process.exit(2);
}

const TILE = 2 ** 20;
const TILES = 64;
const rand = xorshift32(0x9e3779b9);
function tile(): Uint8Array {
  const f = new Float32Array(TILE / 4);
  // raw counts: mostly 1-3, a long tail into the thousands
  for (let i = 0; i < f.length; i++) f[i] = rand() < 0.6 ? 1 + Math.floor(rand() * 3) : Math.floor(Math.exp(rand() * 8));
  const bytes = new Uint8Array(f.buffer);
  const out = new Uint8Array(TILE);
  const n = f.length;
  for (let i = 0; i < n; i++) for (let b = 0; b < 4; b++) out[b * n + i] = bytes[i * 4 + b];
  return out;
}
const tiles = Array.from({ length: TILES }, tile);
const cctx = new napi.CCtx();
const dctx = new napi.DCtx();
const scratch = new Uint8Array(TILE * 2);
const compressed = tiles.map((t) => scratch.slice(0, cctx.compress(scratch, t, 9)));
const ratio = (tiles.length * TILE) / compressed.reduce((s, c) => s + c.length, 0);

function time(label: string, rounds: number, f: () => void): number {
  f(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) f();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const mibs = (rounds * TILES * TILE) / 2 ** 20 / s;
  console.log(`| ${label} | ${mibs.toFixed(0)} |`);
  return mibs;
}

console.log(`Node ${process.version}; ${TILES} tiles of 1 MiB, compression ratio ${ratio.toFixed(2)} at level 9`);
console.log("| codec | MiB/s (uncompressed bytes) |");
console.log("|---|---|");
const out = new Uint8Array(TILE);
const dn = time("decode, zstd-napi (into the caller's buffer)", 10, () => {
  for (const c of compressed) dctx.decompress(out, c);
});
const db = time("decode, node:zlib zstdDecompressSync", 10, () => {
  for (const c of compressed) builtin.zstdDecompressSync!(c, { chunkSize: TILE });
});
// one output chunk per tile: node:zlib's default 16 KiB chunks cost it a third of its speed
const level = { chunkSize: TILE, params: { [builtin.constants.ZSTD_c_compressionLevel]: 3 } };
const en = time("encode level 3, zstd-napi", 3, () => {
  for (const t of tiles) cctx.compress(scratch, t, 3);
});
const eb = time("encode level 3, node:zlib zstdCompressSync", 3, () => {
  for (const t of tiles) builtin.zstdCompressSync!(t, level);
});
console.log(`decode node:zlib / zstd-napi: **${(db / dn).toFixed(2)}x**; encode: **${(eb / en).toFixed(2)}x**`);

/**
 * tiledb-ts read benchmark: reads a Census-shaped sparse array (int64 dims, float32 values, zstd + byteshuffle)
 * fully with tiledb-ts and with Python tiledb (libtiledb) in one run; prints cells/s of each and the ratio.
 * The array is written once by Python tiledb (tiledb-read.py setup) and reused.
 *
 *   tsx src/tiledb-read.ts                 # modest default: 10M cells
 *   tsx src/tiledb-read.ts --large         # 100M cells (writes ~0.5 GB once)
 *   options: --cells N  --dir PATH  --python PATH  --budget-mib N
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readBatches } from "@census-cube/tiledb-ts";
import { benchArgs, defaultPython, repoRoot } from "./lib/args.js";

const here = dirname(fileURLToPath(import.meta.url));
const pyScript = join(here, "tiledb-read.py");
const args = benchArgs({
  large: { type: "boolean", default: false },
  cells: { type: "string" },
  dir: { type: "string", default: join(repoRoot, "tools/bench/.data") },
  python: { type: "string", default: defaultPython },
  "budget-mib": { type: "string", default: "256" },
});

const cells = Number(args.cells ?? (args.large ? 100_000_000 : 10_000_000));
const dir = args.dir;
const python = args.python;
const budget = Number(args["budget-mib"]) * 2 ** 20;
const uri = join(dir, `tiledb-read-${cells}`);

if (!existsSync(uri)) {
  mkdirSync(dir, { recursive: true });
  console.log(`writing ${cells} cells to ${uri} with Python tiledb (once)…`);
  execFileSync(python, [pyScript, "setup", uri, "--cells", String(cells)], { stdio: "inherit" });
}

async function tiledbTs(): Promise<{ cells: number; seconds: number; checksum: number }> {
  const t0 = performance.now();
  let n = 0;
  let checksum = 0;
  for await (const b of readBatches(uri, { memoryBudget: budget })) {
    const col = b.columns[2];
    const v = new Float32Array(col.data.buffer, col.data.byteOffset, b.length);
    for (let i = 0; i < v.length; i++) checksum += v[i];
    n += b.length;
  }
  return { cells: n, seconds: (performance.now() - t0) / 1000, checksum };
}

const ts = await tiledbTs();
const py = JSON.parse(execFileSync(python, [pyScript, "read", uri], { encoding: "utf8" })) as { cells: number; seconds: number; checksum: number };
if (ts.cells !== py.cells || Math.abs(ts.checksum - py.checksum) > 1e-6 * Math.abs(py.checksum)) {
  throw new Error(`results differ: tiledb-ts ${ts.cells} cells (sum ${ts.checksum}), Python tiledb ${py.cells} cells (sum ${py.checksum})`);
}
const rate = (r: { cells: number; seconds: number }) => r.cells / r.seconds / 1e6;
console.log(`cells: ${ts.cells}`);
console.log(`tiledb-ts:     ${ts.seconds.toFixed(2)} s  ${rate(ts).toFixed(1)} M cells/s (all three columns)`);
console.log(`Python tiledb: ${py.seconds.toFixed(2)} s  ${rate(py).toFixed(1)} M cells/s`);
console.log(`ratio tiledb-ts / libtiledb: ${(rate(ts) / rate(py)).toFixed(2)}`);

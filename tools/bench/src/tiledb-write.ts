/**
 * tiledb-ts write benchmark: writes Census-shaped sparse cells (int64 soma_dim_0/soma_dim_1, float32 soma_data,
 * zstd level 9 + byteshuffle on every field, capacity 100000, 2048-cell space tiles) with tiledb-ts and with
 * Python tiledb, each in its own process, in the same chunks (one fragment per chunk); prints time and peak
 * memory of each and the ratios, then checks both arrays read back the same through Python tiledb.
 *
 *   tsx src/tiledb-write.ts                 # modest default: 5M cells
 *   tsx src/tiledb-write.ts --large         # 100M cells
 *   options: --cells N  --chunk N (cells per fragment, default 5M)  --shuffle (cells not in global order)
 *            --dir PATH  --python PATH
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createArray, Datatype, type FilterSpec, FilterType, SparseWriter } from "@census-cube/tiledb-ts";
import { benchArgs, defaultPython, repoRoot } from "./lib/args.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = benchArgs({
  large: { type: "boolean", default: false },
  cells: { type: "string" },
  chunk: { type: "string", default: "5000000" },
  shuffle: { type: "boolean", default: false },
  dir: { type: "string", default: join(repoRoot, "tools/bench/.data") },
  python: { type: "string", default: defaultPython },
  /** The process that writes with tiledb-ts (the parent measures it): the array's URI. */
  child: { type: "string" },
});

const cells = Number(args.cells ?? (args.large ? 100_000_000 : 5_000_000));
const chunk = Number(args.chunk);
const shuffle = args.shuffle;
const python = args.python;
const NNZ_PER_ROW = 20;

/** Cells [start, start + n): a pure function of the index, identical to tiledb-write.py. */
function cellsOf(start: number, n: number): { row: BigInt64Array; col: BigInt64Array; val: Float32Array } {
  const row = new BigInt64Array(n);
  const col = new BigInt64Array(n);
  const val = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = start + (shuffle ? (i * 7919) % n : i);
    const r = Math.floor(k / NNZ_PER_ROW);
    const j = k % NNZ_PER_ROW;
    row[i] = BigInt(r);
    col[i] = BigInt(j * 3000 + (r % 3000));
    val[i] = ((r * 13 + j * 7) % 50) + 1;
  }
  return { row, col, val };
}

async function child(uri: string): Promise<void> {
  const xf: FilterSpec[] = [{ type: FilterType.BYTESHUFFLE, options: {} }, { type: FilterType.ZSTD, options: { level: 9 } }];
  await createArray(uri, {
    arrayType: "sparse",
    capacity: 100000,
    dimensions: [
      { name: "soma_dim_0", type: Datatype.INT64, domain: [0n, 1n << 62n], tileExtent: 2048n, filters: xf },
      { name: "soma_dim_1", type: Datatype.INT64, domain: [0n, 1n << 62n], tileExtent: 2048n, filters: xf },
    ],
    attributes: [{ name: "soma_data", type: Datatype.FLOAT32, filters: xf }],
  });
  // One fragment per chunk, as the Python side writes: the budget is the chunk's input size.
  // Only the writer's calls are timed, not making the cells (on both sides).
  const w = new SparseWriter(uri, { memoryBudget: chunk * 20 });
  let ms = 0;
  for (let start = 0; start < cells; start += chunk) {
    const { row, col, val } = cellsOf(start, Math.min(chunk, cells - start));
    const t0 = performance.now();
    await w.write({ soma_dim_0: row, soma_dim_1: col, soma_data: val });
    ms += performance.now() - t0;
  }
  const t0 = performance.now();
  const frags = await w.close();
  ms += performance.now() - t0;
  const seconds = ms / 1000;
  console.log(JSON.stringify({ cells, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, fragments: frags.length }));
}

interface Result {
  cells: number;
  seconds: number;
  maxRssMiB: number;
  fragments: number;
}

async function main(): Promise<void> {
  const base = args.dir;
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, "tiledb-write-"));
  try {
    const common = ["--cells", String(cells), "--chunk", String(chunk), ...(shuffle ? ["--shuffle"] : [])];
    const tsUri = join(dir, "ts");
    const pyUri = join(dir, "py");
    const ts = JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", tsUri, ...common], { encoding: "utf8", cwd: join(repoRoot, "tools/bench") }),
    ) as Result;
    const py = JSON.parse(execFileSync(python, [join(here, "tiledb-write.py"), pyUri, ...common], { encoding: "utf8" })) as Result;
    // Same cells in both arrays, read through libtiledb.
    const check = execFileSync(
      python,
      [
        "-c",
        "import sys, tiledb, numpy as np\n" +
          "def s(u):\n  with tiledb.open(u) as A:\n    r = A.query(order='G')[:]\n    return len(r['soma_data']), float(np.sum(r['soma_data'], dtype=np.float64)), int(r['soma_dim_1'].sum())\n" +
          "print(s(sys.argv[1]) == s(sys.argv[2]))",
        tsUri,
        pyUri,
      ],
      { encoding: "utf8" },
    ).trim();
    console.log(`cells: ${cells} in ${ts.fragments} fragment(s) of up to ${chunk}${shuffle ? ", not in global order" : ", in global order"}`);
    console.log(`tiledb-ts:     ${ts.seconds.toFixed(2)} s  ${(cells / ts.seconds / 1e6).toFixed(2)} M cells/s  peak RSS ${ts.maxRssMiB.toFixed(0)} MiB`);
    console.log(`Python tiledb: ${py.seconds.toFixed(2)} s  ${(cells / py.seconds / 1e6).toFixed(2)} M cells/s  peak RSS ${py.maxRssMiB.toFixed(0)} MiB`);
    console.log(`ratio tiledb-ts / Python tiledb: time ${(ts.seconds / py.seconds).toFixed(2)}, peak memory ${(ts.maxRssMiB / py.maxRssMiB).toFixed(2)}`);
    console.log(`arrays read back identical through Python tiledb: ${check === "True" ? "yes" : "NO"}`);
    if (check !== "True") process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.child !== undefined) await child(args.child);
else await main();

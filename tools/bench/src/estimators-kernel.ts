/**
 * The sufficient-statistics kernel of @census-cube/estimators (sum, sumsq, nnz per (obs group, gene) plus group
 * totals) over Census-like X batches, side by side with a numpy implementation of the same computation
 * (estimators-kernel.py) on the same data, in nonzeros per CPU-second (both single-threaded, so per core).
 *
 *   pnpm --filter @census-cube/bench bench:estimators [-- --nnz 20000000 --genes 60664 --reps 3]
 *
 * Data: batches of 2048 cells (one X tile of rows) in joinid order, each cell's genes ascending and drawn with a
 * skewed popularity (rank ~ u^3: the top 10% of genes carry ~46% of values), int64 joinids
 * and gene indices as the SOMA reader hands them out, float32 counts; obs groups are runs of 20-300 cells, so a
 * few groups are open at once, as when a builder streams X in storage order.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SufficientStatsAccumulator } from "@census-cube/estimators";
import { xorshift32 } from "@census-cube/test-support";
import { benchArgs, defaultPython } from "./lib/args.js";

const args = benchArgs({
  nnz: { type: "string", default: "20000000" },
  genes: { type: "string", default: "60664" },
  "nnz-per-cell": { type: "string", default: "1500" },
  reps: { type: "string", default: "3" },
  python: { type: "string", default: defaultPython },
});
const TOTAL = Number(args.nnz);
const N_GENES = Number(args.genes);
const PER_CELL = Number(args["nnz-per-cell"]);
const REPS = Number(args.reps);
const here = dirname(fileURLToPath(import.meta.url));
const python = args.python;

// fast, seeded, good enough to make test data
const rand = xorshift32(0x9e3779b9);

const nCells = Math.ceil(TOTAL / PER_CELL);
const cellGroup = new Int32Array(nCells);
for (let c = 0, g = 0; c < nCells; g++) {
  const run = 20 + Math.floor(rand() * 280);
  for (let k = 0; k < run && c < nCells; k++) cellGroup[c++] = g;
}
const cellSizeFactor = Float64Array.from({ length: nCells }, () => 0.3 + rand() * 2);

// Popularity rank -> gene index, shuffled so popular genes spread over the index range.
const popular = Uint32Array.from({ length: N_GENES }, (_, i) => i);
for (let i = N_GENES - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [popular[i], popular[j]] = [popular[j], popular[i]];
}
const cells = new BigInt64Array(TOTAL);
const genes = new BigInt64Array(TOTAL);
const values = new Float32Array(TOTAL);
const batchStarts: number[] = [0];
{
  let i = 0;
  const mark = new Uint8Array(N_GENES);
  for (let c = 0; c < nCells && i < TOTAL; c++) {
    if (c > 0 && c % 2048 === 0) batchStarts.push(i);
    const k = Math.min(TOTAL - i, Math.max(1, Math.floor(PER_CELL * (0.5 + rand()))));
    // k distinct genes, ascending: sample with a mark array, then sweep.
    let picked = 0;
    while (picked < k) {
      // Skewed gene popularity, as in real expression data: a few thousand genes carry most values.
      const g = popular[Math.floor(rand() ** 3 * N_GENES)];
      if (!mark[g]) {
        mark[g] = 1;
        picked++;
      }
    }
    for (let g = 0; g < N_GENES && picked > 0; g++) {
      if (!mark[g]) continue;
      mark[g] = 0;
      picked--;
      cells[i] = BigInt(c);
      genes[i] = BigInt(g);
      values[i] = 1 + Math.floor(-Math.log(1 - rand()) * 3);
      i++;
    }
  }
}
batchStarts.push(TOTAL);
const nBatches = batchStarts.length - 1;

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function runOurs(): { seconds: number; addSeconds: number; pairs: number; maxOpen: number; bytes: number } {
  // CPU time of this process: the machine may be shared, and the figure is per core.
  const t0 = process.cpuUsage();
  const acc = new SufficientStatsAccumulator({ nFeatures: N_GENES, cellGroup, cellSizeFactor, initialGroups: 32 });
  let pairs = 0;
  let addSeconds = 0;
  let lastGroupDone = -1;
  for (let b = 0; b < nBatches; b++) {
    const [s, e] = [batchStarts[b], batchStarts[b + 1]];
    const ta = process.cpuUsage();
    acc.add(cells.subarray(s, e), genes.subarray(s, e), values.subarray(s, e));
    addSeconds += cpuSeconds(ta);
    // Groups before the batch's last cell are complete: emit them, as a builder would.
    const lastGroup = cellGroup[Number(cells[e - 1])];
    const done: number[] = [];
    for (let g = lastGroupDone + 1; g < lastGroup; g++) done.push(g);
    lastGroupDone = lastGroup - 1;
    pairs += acc.take(done).pairs.feature.length;
  }
  const m = acc.memory();
  pairs += acc.take().pairs.feature.length;
  return { seconds: cpuSeconds(t0), addSeconds, pairs, maxOpen: m.maxOpenGroups, bytes: m.bytes };
}

// Hand the same data to numpy through raw files.
const dir = mkdtempSync(join(tmpdir(), "estimators-bench-"));
try {
  const write = (name: string, a: ArrayBufferView) =>
    writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  write("cells.i64", cells);
  write("genes.i64", genes);
  write("values.f32", values);
  write("cell_group.i32", cellGroup);
  write("cell_sf.f64", cellSizeFactor);
  write("batch_starts.i64", BigInt64Array.from(batchStarts, BigInt));

  runOurs(); // warm-up: let V8 optimise the kernel before timing
  const ours = [];
  for (let r = 0; r < REPS; r++) ours.push(runOurs());
  const best = ours.reduce((a, b) => (a.seconds < b.seconds ? a : b));

  const py = spawnSync(python, [join(here, "estimators-kernel.py"), dir, String(N_GENES), String(REPS)], {
    encoding: "utf8",
  });
  if (py.status !== 0) throw new Error(`estimators-kernel.py failed: ${py.stderr || py.error}`);
  const np = JSON.parse(py.stdout) as { seconds: number; pairs: number };

  const oursRate = TOTAL / best.seconds;
  const npRate = TOTAL / np.seconds;
  console.log(`data: ${TOTAL} nonzeros, ${nCells} cells, ${N_GENES} genes, ${nBatches} batches, ${cellGroup[nCells - 1] + 1} groups`);
  console.log(`estimators (TypeScript): ${(oursRate / 1e6).toFixed(1)} M nonzeros/s (best of ${REPS}: ${best.seconds.toFixed(3)} CPU s), ${best.pairs} pairs, max ${best.maxOpen} open groups, ${(best.bytes / 2 ** 20).toFixed(1)} MiB of rows`);
  console.log(`  of which add() (the scatter-add kernel): ${(TOTAL / best.addSeconds / 1e6).toFixed(1)} M nonzeros/s; the rest is emission and first touch of fresh rows`);
  console.log(`numpy (bincount):        ${(npRate / 1e6).toFixed(1)} M nonzeros/s (best of ${REPS}: ${np.seconds.toFixed(3)} CPU s), ${np.pairs} pairs`);
  console.log(`ratio TypeScript / numpy: ${(oursRate / npRate).toFixed(2)}x`);
  if (np.pairs !== best.pairs) throw new Error(`pair counts differ: ${best.pairs} vs numpy ${np.pairs}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

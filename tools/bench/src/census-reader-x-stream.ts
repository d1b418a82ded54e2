/**
 * census-reader X streaming benchmark: streams every X cell of a Census-shaped experiment through
 * `ExperimentAxisQuery.X()` under a memory budget (census-reader-x-stream-child.mjs, on the built package),
 * and the same read with Python tiledbsoma (census-reader-x-stream.py), in one run.
 * Prints nonzeros/s of each, their ratio, and each side's peak RSS next to the budget (must stay under +20%).
 *
 *   tsx src/census-reader-x-stream.ts                  # modest default: 10M nonzeros
 *   tsx src/census-reader-x-stream.ts --large          # >= 100M nonzeros (writes ~1 GB once, takes a while)
 *   options: --nnz N  --cells N  --budget-mib N  --dir PATH (experiments are kept and reused)  --python PATH
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs, defaultPython, repoRoot } from "./lib/args.js";
import { machineFacts, measure } from "./lib/measure.js";

const here = dirname(fileURLToPath(import.meta.url));
const pyScript = join(here, "census-reader-x-stream.py");
const args = benchArgs({
  large: { type: "boolean", default: false },
  nnz: { type: "string" },
  cells: { type: "string" },
  "budget-mib": { type: "string", default: "256" },
  dir: { type: "string", default: "/tmp/census-reader-bench" },
  python: { type: "string", default: defaultPython },
});

async function main(): Promise<void> {
  const budget = Number(args["budget-mib"]) * 1024 * 1024;
  const childScript = join(here, "census-reader-x-stream-child.mjs");
  if (!existsSync(join(repoRoot, "packages/census-reader/dist/index.js"))) {
    throw new Error("build the packages first (pnpm build): the reader runs from packages/census-reader/dist");
  }

  const python = args.python;
  const nnz = Number(args.nnz ?? (args.large ? 100_000_000 : 10_000_000));
  // Census cells hold ~1,000-5,000 nonzeros; about 2,000 per cell here.
  const cells = Number(args.cells ?? Math.max(1000, Math.round(nnz / 2000)));
  const dir = args.dir;
  const uri = join(dir, `x-${cells}c-${nnz}nnz`);
  if (!existsSync(uri)) {
    console.log(`writing ${uri} (${cells} cells, ~${nnz} nonzeros) with tiledbsoma …`);
    const w = await measure("write", [python, pyScript, "write", uri, "--cells", String(cells), "--nnz", String(nnz)]);
    if (w.exitCode !== 0) throw new Error(`writing the experiment failed (exit ${w.exitCode})`);
  }

  const ours = await measure("census-reader", [process.execPath, childScript, uri, String(budget / 1048576)]);
  const theirs = await measure("tiledbsoma", [python, pyScript, "read", uri, "--budget-bytes", String(budget)]);
  for (const m of [ours, theirs]) if (m.exitCode !== 0) throw new Error(`${m.label} failed (exit ${m.exitCode})`);
  const a = JSON.parse(ours.stdout.trim().split("\n").pop()!);
  const b = JSON.parse(theirs.stdout.trim().split("\n").pop()!);
  if (a.nnz !== b.nnz || Math.abs(a.sum - b.sum) > 1e-6 * Math.abs(b.sum)) {
    throw new Error(`results differ: census-reader ${a.nnz} cells sum ${a.sum}, tiledbsoma ${b.nnz} cells sum ${b.sum}`);
  }
  const mib = (x: number) => (x / 1048576).toFixed(0);
  const facts = machineFacts();
  console.log(`X stream of ${a.nnz} nonzeros (${cells} cells), budget ${mib(budget)} MiB — ${facts.cpus} CPUs ${facts.cpuModel}, Node ${facts.node}`);
  console.log("reader         read s   wall s   Mnnz/s (read)   peak RSS MiB   batches");
  for (const [m, r] of [
    [ours, a],
    [theirs, b],
  ] as const) {
    console.log(
      `${m.label.padEnd(14)} ${r.seconds.toFixed(2).padStart(6)}   ${m.wallSeconds.toFixed(2).padStart(6)}   ${(r.nnz / r.seconds / 1e6).toFixed(1).padStart(13)}   ${mib(m.peakRssBytes).padStart(12)}   ${String(r.batches ?? "-").padStart(7)}`,
    );
  }
  console.log(`throughput ratio census-reader / tiledbsoma: ${(b.seconds / a.seconds).toFixed(2)}x`);
  const limit = budget * 1.2;
  const ok = ours.peakRssBytes <= limit;
  console.log(`census-reader peak RSS ${mib(ours.peakRssBytes)} MiB vs budget + 20% = ${mib(limit)} MiB: ${ok ? "within" : "OVER"}`);
  if (!ok) process.exitCode = 1;
}

await main();

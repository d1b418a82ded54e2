/**
 * The subset-read benchmark: X's cells for a few obs selections (1,000 and 10,000 scattered joinids, 100
 * contiguous ranges), read through census-reader's axis query and through tiledbsoma's (python/subset_read.py),
 * back to back. Prints a markdown table of wall and CPU seconds per query and the ratios.
 *
 *   tsx src/subset-read.ts --experiment DIR --work DIR [--seed 1] [--python PY]
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExperimentAxisQuery, openExperiment } from "@census-cube/census-reader";
import { xorshift32 } from "@census-cube/test-support";
import { benchArgs, experimentAndWork, defaultPython } from "./lib/args.js";

const here = dirname(fileURLToPath(import.meta.url));
const values = benchArgs({
  experiment: { type: "string" },
  work: { type: "string" },
  seed: { type: "string", default: "1" },
  python: { type: "string", default: defaultPython },
});
const { experiment, work } = experimentAndWork("subset-read", values);

const exp = await openExperiment(experiment);
const nObs = (await (await exp.obs()).joinids()).length;
// seeded: the same selections on every run
const next = xorshift32(Number(values.seed));
function scattered(k: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(k, nObs)) picked.add(Math.floor(next() * nObs));
  return [...picked].sort((a, b) => a - b);
}
function ranges(k: number, width: number): number[] {
  // k disjoint runs of `width` joinids at random places
  const slots = Math.floor(nObs / width);
  const starts = new Set<number>();
  while (starts.size < Math.min(k, slots)) starts.add(Math.floor(next() * slots) * width);
  return [...starts].sort((a, b) => a - b).flatMap((s) => Array.from({ length: width }, (_, i) => s + i));
}
const queries: Record<string, number[]> = {
  "1,000 scattered joinids": scattered(1000),
  "10,000 scattered joinids": scattered(10000),
  "100 contiguous ranges of 20 joinids": ranges(100, 20),
};
const queriesFile = join(work, "subset-queries.json");
writeFileSync(queriesFile, JSON.stringify(queries));

interface Result {
  query: string;
  nnz: number;
  seconds: number;
  cpu_seconds: number;
}
const ours: Result[] = [];
for (const [name, ids] of Object.entries(queries)) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let nnz = 0;
  const q = await ExperimentAxisQuery.create(exp, "RNA", { obsQuery: { coords: BigInt64Array.from(ids, BigInt) } });
  for await (const b of q.X("raw")) nnz += b.numRows;
  const used = process.cpuUsage(cpu);
  ours.push({ query: name, nnz, seconds: (performance.now() - start) / 1000, cpu_seconds: (used.user + used.system) / 1e6 });
}
const out = execFileSync(values.python, [join(here, "..", "python", "subset_read.py"), experiment, queriesFile], { encoding: "utf8", maxBuffer: 64 << 20 });
const theirs = out.trim().split("\n").map((l) => JSON.parse(l) as Result);
const lines = [
  `Subset reads of \`${experiment}\` (${nObs.toLocaleString("en")} cells), ${new Date().toISOString()}: census-reader axis query (tiledb-ts) vs tiledbsoma axis query, each in its own process, back to back.`,
  "",
  "| query | nonzeros | census-reader wall s | CPU s | tiledbsoma wall s | CPU s | wall ratio (ours / theirs) | CPU ratio |",
  "|---|---|---|---|---|---|---|---|",
];
for (const o of ours) {
  const t = theirs.find((x) => x.query === o.query);
  if (!t) throw new Error(`tiledbsoma gave no result for "${o.query}"`);
  if (t.nnz !== o.nnz) throw new Error(`"${o.query}": census-reader read ${o.nnz} nonzeros, tiledbsoma ${t.nnz}`);
  lines.push(`| ${o.query} | ${o.nnz.toLocaleString("en")} | ${o.seconds.toFixed(2)} | ${o.cpu_seconds.toFixed(2)} | ${t.seconds.toFixed(2)} | ${t.cpu_seconds.toFixed(2)} | **${(o.seconds / t.seconds).toFixed(2)}x** | ${(o.cpu_seconds / t.cpu_seconds).toFixed(2)}x |`);
}
console.log(lines.join("\n"));

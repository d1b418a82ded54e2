// The reader side of census-reader-x-stream.ts, run in its own process on the built package (no compiler
// in the process, so its RSS is the reader's own): streams all of X and prints {nnz, sum, batches, seconds}.
import { ExperimentAxisQuery, openExperiment } from "../../../packages/census-reader/dist/index.js";

const [uri, budgetMiB] = process.argv.slice(2);
const budget = Number(budgetMiB) * 1024 * 1024;
const start = performance.now();
const q = await ExperimentAxisQuery.create(await openExperiment(uri), "RNA");
let nnz = 0;
let sum = 0;
let batches = 0;
for await (const b of q.X("raw", { memoryBudget: budget })) {
  const d = b.getChild("soma_data").data[0];
  const v = d.values;
  for (let i = d.offset, e = d.offset + d.length; i < e; i++) sum += v[i];
  nnz += b.numRows;
  batches++;
}
process.stdout.write(`${JSON.stringify({ nnz, sum, batches, seconds: (performance.now() - start) / 1000 })}\n`);

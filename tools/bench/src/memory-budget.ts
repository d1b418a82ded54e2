/**
 * The memory budget kept: builds one experiment's cube at each --memory-budget, sampling the peak resident memory
 * of the whole process tree (the builder and its workers, from /proc every 50 ms), and checks each peak against
 * the budget + 20%. Also checks that a budget below what the build can keep is refused, naming the minimum.
 *
 *   pnpm --filter @census-cube/bench bench:memory -- --experiment DIR --work DIR [--budgets 512MiB,1GiB,2GiB]
 *        [--max-workers 2]
 *
 * Prints one markdown table row per budget (peak, peak / budget, batches, wall time) and exits 1 when a peak is
 * over budget + 20% or a build fails.
 */
import { mkdirSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { benchArgs, repoRoot } from "./lib/args.js";
import { machineFacts, measure } from "./lib/measure.js";

const cli = join(repoRoot, "apps/cube-builder/dist/cli.js");
const values = benchArgs({
  experiment: { type: "string" },
  work: { type: "string" },
  budgets: { type: "string", default: "512MiB,1GiB,2GiB" },
  "max-workers": { type: "string", default: String(cpus().length) },
});
if (!values.experiment || !values.work) {
  console.error("memory-budget: --experiment <dir> and --work <dir> are required");
  process.exit(2);
}
const work = resolve(values.work);
mkdirSync(work, { recursive: true });
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const bytesOf = (s: string) => {
  const m = /^(\d+(?:\.\d+)?)(MiB|GiB)$/.exec(s);
  if (!m) throw new Error(`budget ${s}: write it as N MiB or N GiB, e.g. 512MiB`);
  return Number(m[1]) * 2 ** (m[2] === "GiB" ? 30 : 20);
};

const build = (budget: string, cube: string) => [
  process.execPath, cli, "build", "--experiment-uri", values.experiment!, "--cube-uri", cube,
  "--memory-budget", budget, "--max-workers", values["max-workers"]!, "--log-level", "warn",
];

const facts = machineFacts();
console.log(`machine: ${facts.cpus} CPUs (${facts.cpuModel}), ${facts.memoryGiB} GiB, Node ${facts.node}; experiment ${values.experiment}; --max-workers ${values["max-workers"]}`);
console.log("| --memory-budget | peak RSS, process tree (MiB) | peak / budget | within budget + 20% | batches | wall s |");
console.log("|---|---|---|---|---|---|");
let ok = true;
for (const budget of values.budgets!.split(",")) {
  const cube = join(work, `cube-${budget}`);
  rmSync(cube, { recursive: true, force: true });
  const m = await measure(budget, build(budget, cube));
  const bytes = bytesOf(budget);
  const summary = m.exitCode === 0 ? (JSON.parse(m.stdout.trim().split("\n").pop()!) as { batches: number }) : undefined;
  const within = m.peakRssBytes <= bytes * 1.2;
  ok &&= within && m.exitCode === 0;
  console.log(`| ${budget} | ${mib(m.peakRssBytes)} | ${(m.peakRssBytes / bytes).toFixed(2)} | ${within ? "yes" : "**no**"} | ${summary?.batches ?? `exit ${m.exitCode}`} | ${m.wallSeconds.toFixed(0)} |`);
  rmSync(cube, { recursive: true, force: true });
}
const tooSmall = await measure("1MiB", build("1MiB", join(work, "cube-too-small")));
const refused = tooSmall.exitCode === 1;
ok &&= refused;
console.log(`--memory-budget 1MiB: exit ${tooSmall.exitCode} (${refused ? "refused" : "NOT refused"}), peak ${mib(tooSmall.peakRssBytes)} MiB`);
process.exit(ok ? 0 : 1);

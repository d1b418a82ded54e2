/**
 * The side-by-side cube benchmark: on one synthetic Census experiment, in one run, measures
 *   - cube-builder build (apps/cube-builder/dist/cli.js),
 *   - any external builder commands (templates with {experiment} and {cube}; how the reference Python builder
 *     is run, by hand: nothing here installs or runs it by itself),
 *   - a full X read with Python tiledb (python/read_x_full.py: the libtiledb floor),
 *   - a full X read with tiledb-ts (src/read-x-tiledb-ts.ts),
 * prints wall time, cells/s, nonzeros/s and peak RSS (whole process tree) of each and the ratios, and appends
 * a section with the machine's facts to docs/benchmarks-history.md (BENCHMARKS.md holds the current table).
 *
 *   pnpm --filter @census-cube/bench bench:cube -- --experiment DIR --work DIR [--max-workers 2]
 *        [--memory-budget 8GiB] [--external 'reference=cd SRC && PY -m builder --cube-uri {cube} --experiment-uri {experiment}']
 *        [--external-workers 2] [--external-experiment DIR] [--label small] [--no-append]
 *        [--external-from DIR]   reuse the external builders measured by an earlier run whose --work was DIR (its
 *                                measurements.json and cubes; the same experiment), marked as such in the table
 *   (or --preset small|large [--seed N] instead of --experiment: generates the experiment into --work first)
 *
 * Throughput is over the whole experiment (every X cell and nonzero): every command here reads all of X.
 * Per-core throughput divides by the worker processes each builder was given.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs, defaultPython, repoRoot } from "./lib/args.js";
import { type Measurement, machineFacts, measure } from "./lib/measure.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = repoRoot;
const values = benchArgs({
    experiment: { type: "string" },
    preset: { type: "string" },
    seed: { type: "string", default: "1" },
    categorical: { type: "string", default: "string" },
    work: { type: "string" },
    label: { type: "string" },
    "max-workers": { type: "string", default: String(cpus().length) },
    "memory-budget": { type: "string", default: "8GiB" },
    external: { type: "string", multiple: true, default: [] },
    "external-workers": { type: "string", default: String(cpus().length) },
    "external-experiment": { type: "string" },
    "external-from": { type: "string" },
    python: { type: "string", default: defaultPython },
    "skip-floor": { type: "boolean", default: false },
    "no-append": { type: "boolean", default: false },
    "benchmarks-md": { type: "string", default: join(repo, "docs/benchmarks-history.md") },
});

function fail(msg: string): never {
  console.error(`cube-bench: ${msg}`);
  process.exit(2);
}

if (!values.work) fail("--work <dir> is required (scratch space for cubes; never inside the repository)");
if (!values.experiment === !values.preset) fail("give exactly one of --experiment <dir> or --preset <name>");
const work = resolve(values.work);
if (work.startsWith(`${repo}/`)) fail(`--work ${work} is inside the repository; put benchmark data elsewhere`);
mkdirSync(work, { recursive: true });
const W = Number(values["max-workers"]);
const WExt = Number(values["external-workers"]);
if (!Number.isInteger(W) || W < 1) fail(`--max-workers must be a positive integer, got ${values["max-workers"]}`);
if (!Number.isInteger(WExt) || WExt < 1) fail(`--external-workers must be a positive integer, got ${values["external-workers"]}`);

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)?$/i.exec(s.trim());
  if (!m) fail(`--memory-budget: cannot read "${s}" (e.g. 8GiB, 512MiB)`);
  const unit = { b: 0, kib: 10, mib: 20, gib: 30, tib: 40 }[(m[2] ?? "B").toLowerCase()] ?? 0;
  return Number(m[1]) * 2 ** unit;
}
const budgetBytes = parseSize(values["memory-budget"]);

const externals = values.external.map((e) => {
  const eq = e.indexOf("=");
  if (eq <= 0) fail(`--external "${e}": expected label=command template`);
  const template = e.slice(eq + 1);
  if (!template.includes("{cube}") || !template.includes("{experiment}")) fail(`--external "${e}": the template needs both {experiment} and {cube}`);
  return { label: e.slice(0, eq), template };
});

type Run = Measurement & { cpuSeconds: number; workers?: number };
const measurements: Run[] = [];
function check(m: Run): Run {
  if (m.exitCode !== 0) fail(`${m.label} failed with exit code ${m.exitCode}: ${m.command.join(" ")}`);
  return m;
}

/**
 * measure() plus the CPU seconds (user + system) of the whole process tree, from GNU time (its rusage
 * includes every descendant that was waited for: worker processes count). On a shared, loaded machine wall
 * time depends on the other load; CPU seconds do much less, so per-core throughput is given from both.
 */
let timeFiles = 0;
async function timed(label: string, command: string[]): Promise<Run> {
  const out = join(work, `.cpu-${process.pid}-${timeFiles++}`);
  const m = await measure(label, ["/usr/bin/time", "-o", out, "-f", "%U %S", ...command]);
  let cpuSeconds = Number.NaN;
  try {
    const [u, s] = readFileSync(out, "utf8").trim().split("\n").pop()?.split(" ").map(Number) ?? [];
    cpuSeconds = u + s;
    rmSync(out);
  } catch {
    /* the command never ran */
  }
  return { ...m, command, cpuSeconds };
}
const tsx = join(repo, "tools", "bench", "node_modules", ".bin", "tsx");

let experiment: string;
if (values.preset) {
  experiment = join(work, `experiment-${values.preset}-seed${values.seed}`);
  if (!existsSync(experiment)) {
    const gen = check(
      await timed("synth-census generate", [
        tsx, join(repo, "tools", "synth-census", "src", "cli.ts"), "--preset", values.preset, "--seed", values.seed,
        "--categorical", values.categorical, "--out", experiment,
      ]),
    );
    measurements.push(gen);
  }
} else experiment = resolve(values.experiment as string);
const xUri = join(experiment, "ms", "RNA", "X", "raw");
if (!existsSync(xUri)) fail(`${experiment}: no ms/RNA/X/raw array (is it a SOMA experiment?)`);

// 1. cube-builder, the build a user gets by default (validation and consolidation on)
const ourCube = join(work, "cube-builder.cube");
rmSync(ourCube, { recursive: true, force: true });
const cli = join(repo, "apps", "cube-builder", "dist", "cli.js");
const build = check(
  await timed("cube-builder build", [
    process.execPath, cli, "build", "--experiment-uri", experiment, "--cube-uri", ourCube, "--max-workers", String(W),
    "--memory-budget", values["memory-budget"], "--log-format", "json",
  ]),
);
measurements.push({ ...build, workers: W });
const summary = JSON.parse(build.stdout.trim().split("\n").pop() ?? "{}") as { cells?: number; nnz?: number; groups?: number; rows?: number };

// 2. the libtiledb floor and the tiledb-ts read
let floor: Run | undefined;
let floorOut: { nnz: number; rows: number; seconds: number } | undefined;
if (!values["skip-floor"]) {
  floor = check(await timed("Python tiledb full X read", [values.python, join(repo, "tools", "bench", "python", "read_x_full.py"), xUri]));
  floorOut = JSON.parse(floor.stdout);
  measurements.push(floor);
}
const tsRead = check(await timed("tiledb-ts full X read", [tsx, join(here, "read-x-tiledb-ts.ts"), xUri]));
const tsOut = JSON.parse(tsRead.stdout) as { nnz: number; rows: number; seconds: number };
measurements.push(tsRead);
if (floorOut && (floorOut.nnz !== tsOut.nnz || floorOut.rows !== tsOut.rows)) {
  fail(`the two full reads disagree: Python tiledb ${floorOut.nnz} nonzeros / ${floorOut.rows} rows, tiledb-ts ${tsOut.nnz} / ${tsOut.rows}`);
}

// 3. external builders, then cube equality with ours (dump_cube.py, as the parity tests compare)
const comparisons: string[] = [];
function compareCube(label: string, cube: string): void {
  try {
    const out = execFileSync(values.python, [join(repo, "apps", "cube-builder", "test", "python", "dump_cube.py"), ourCube, "--compare", cube], { encoding: "utf8" });
    comparisons.push(`cube-builder cube vs ${label} cube (dump_cube.py --compare): ${out.trim().split("\n").pop()}`);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    comparisons.push(`cube-builder cube vs ${label} cube (dump_cube.py --compare): DIFFERENT: ${(e.stdout ?? "").trim().split("\n").slice(-3).join(" / ")} ${(e.stderr ?? "").trim().split("\n").slice(-2).join(" / ")}`);
  }
}
for (const ext of externals) {
  const cube = join(work, `${ext.label}.cube`);
  rmSync(cube, { recursive: true, force: true });
  const extExperiment = resolve(values["external-experiment"] ?? experiment);
  const cmd = ext.template.replaceAll("{experiment}", extExperiment).replaceAll("{cube}", cube);
  const m = check(await timed(ext.label, ["sh", "-c", cmd]));
  measurements.push({ ...m, workers: WExt });
  compareCube(ext.label, cube);
}

// 3b. external builders measured by an earlier run on the same experiment (a reference run can take an hour)
const reused: string[] = [];
if (values["external-from"]) {
  const from = resolve(values["external-from"]);
  let earlier: { experiment: string; date: string; commit: string; measurements: Run[] };
  try {
    earlier = JSON.parse(readFileSync(join(from, "measurements.json"), "utf8"));
  } catch (e) {
    fail(`--external-from ${from}: cannot read measurements.json (${(e as Error).message})`);
  }
  if (resolve(earlier.experiment) !== experiment) fail(`--external-from ${from}: it measured ${earlier.experiment}, not ${experiment}`);
  const builtIn = new Set(["synth-census generate", "cube-builder build", "cube-builder validate", "Python tiledb full X read", "tiledb-ts full X read"]);
  for (const m of earlier.measurements.filter((x) => !builtIn.has(x.label))) {
    const label = `${m.label} (run of ${earlier.date.slice(0, 16)}Z)`;
    measurements.push({ ...m, label });
    externals.push({ label, template: "" });
    reused.push(label);
    compareCube(label, join(from, `${m.label}.cube`));
  }
  if (reused.length === 0) fail(`--external-from ${from}: its measurements.json holds no external builder`);
}

// 4. the table and the ratios
const cells = tsOut.rows;
const nnz = tsOut.nnz;
const gib = (b: number) => (b / 2 ** 30).toFixed(2);
const rate = (n: number, s: number) => (n / s >= 1e6 ? `${(n / s / 1e6).toFixed(2)} M` : `${(n / s / 1e3).toFixed(1)} k`);
const rows = measurements.map((m) => {
  const reads = m.label !== "synth-census generate";
  return `| ${m.label} | ${m.workers ?? ""} | ${m.wallSeconds.toFixed(1)} | ${m.cpuSeconds.toFixed(1)} | ${reads ? rate(cells, m.wallSeconds) : ""} | ${reads ? rate(nnz, m.wallSeconds) : ""} | ${reads ? rate(nnz, m.cpuSeconds) : ""} | ${gib(m.peakRssBytes)} |`;
});
const ratios: string[] = [];
for (const m of measurements.filter((x) => externals.some((e) => e.label === x.label))) {
  const ours = nnz / build.wallSeconds / W;
  const theirs = nnz / m.wallSeconds / (m.workers ?? 1);
  ratios.push(`cube-builder vs ${m.label}, throughput per worker core from wall time (${W} vs ${m.workers} workers): **${(ours / theirs).toFixed(0)}x** (wall ${build.wallSeconds.toFixed(1)} s vs ${m.wallSeconds.toFixed(1)} s)`);
  ratios.push(`cube-builder vs ${m.label}, nonzeros per CPU second (whole process trees): **${(m.cpuSeconds / build.cpuSeconds).toFixed(0)}x** (${build.cpuSeconds.toFixed(1)} vs ${m.cpuSeconds.toFixed(1)} CPU s)`);
}
if (floor) ratios.push(`cube-builder build wall time / Python tiledb full X read: **${(build.wallSeconds / floor.wallSeconds).toFixed(2)}x** (${build.wallSeconds.toFixed(1)} s vs ${floor.wallSeconds.toFixed(1)} s; CPU seconds ${(build.cpuSeconds / floor.cpuSeconds).toFixed(2)}x)`);
if (floor) ratios.push(`tiledb-ts full X read / Python tiledb full X read: **${(tsRead.wallSeconds / floor.wallSeconds).toFixed(2)}x** (in-process read times ${tsOut.seconds.toFixed(1)} s vs ${floorOut?.seconds.toFixed(1)} s; CPU seconds ${(tsRead.cpuSeconds / floor.cpuSeconds).toFixed(2)}x)`);
ratios.push(`cube-builder build / tiledb-ts full X read: wall **${(build.wallSeconds / tsRead.wallSeconds).toFixed(2)}x**, CPU seconds **${(build.cpuSeconds / tsRead.cpuSeconds).toFixed(2)}x** (${build.cpuSeconds.toFixed(1)} vs ${tsRead.cpuSeconds.toFixed(1)} CPU s)`);
ratios.push(`cube-builder peak RSS (parent + workers) ${gib(build.peakRssBytes)} GiB of the --memory-budget ${values["memory-budget"]}: **${build.peakRssBytes <= budgetBytes ? "within" : "OVER"}**`);

const facts = machineFacts();
let commit = "unknown";
try {
  commit = execFileSync("git", ["-C", repo, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {
  /* not a git checkout */
}
let load = "";
try {
  load = execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).split(" ").slice(0, 3).join(" ");
} catch {
  /* not Linux */
}
const label = values.label ?? values.preset ?? experiment;
const section = [
  `## ${label}: ${cells.toLocaleString("en")} cells, ${nnz.toLocaleString("en")} nonzeros (${new Date().toISOString()})`,
  "",
  `Machine: ${facts.cpus} CPUs (${facts.cpuModel}), ${facts.memoryGiB} GiB RAM (${gib(totalmem())} GiB as Node sees it), Node ${facts.node}, load average at the end ${load}; commit ${commit}.`,
  `Experiment: \`${experiment}\`${values["external-experiment"] ? `; external builders read \`${resolve(values["external-experiment"])}\` (the same data converted, see above)` : ""}. cube-builder: --max-workers ${W} --memory-budget ${values["memory-budget"]} (validation and consolidation on, the defaults); its summary: ${summary.cells} cells after the filter, ${summary.groups} obs groups, ${summary.rows} estimator rows.`,
  "",
  "| command | workers | wall s | CPU s | cells/s | nonzeros/s | nonzeros per CPU s | peak RSS GiB |",
  "|---|---|---|---|---|---|---|---|",
  ...rows,
  "",
  ...ratios.map((r) => `- ${r}`),
  ...comparisons.map((c) => `- ${c}`),
  "",
  "Commands:",
  "",
  ...measurements.map((m) => `- ${m.label}: \`${m.command.join(" ").replace(/^sh -c /, "")}\``),
  ...(reused.length > 0 ? ["", `${reused.join(", ")}: measured by an earlier run of this benchmark on the same experiment (its measurements.json), not in this run.`] : []),
  "",
].join("\n");
console.log(section);
// Kept beside the cubes so a later run can reuse an external builder's (long) run: --external-from.
writeFileSync(join(work, "measurements.json"), `${JSON.stringify({ experiment, date: new Date().toISOString(), commit, measurements }, null, 2)}\n`);
if (!values["no-append"]) {
  appendFileSync(values["benchmarks-md"], `\n${section}`);
  console.error(`cube-bench: appended to ${values["benchmarks-md"]}`);
}

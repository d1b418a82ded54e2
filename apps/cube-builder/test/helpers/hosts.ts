import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, cubeBuilder, repoRoot, runPython } from "./env.js";

/** A CLI process standing in for a machine: its own process group and scratch folder, logging to a file. */
export interface Host {
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

/**
 * Starts CLI processes as separate hosts under `root` (each in `root/hosts/<name>`, its cwd and TMPDIR), and
 * kills every one started, with the processes it started, in `killAll` (a test's cleanup).
 */
export function hosts(root: () => string, baseEnv: NodeJS.ProcessEnv = {}) {
  const started: ChildProcess[] = [];
  return {
    start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Host {
      const scratch = join(root(), "hosts", name);
      mkdirSync(scratch, { recursive: true });
      const log = join(scratch, "log");
      const fd = openSync(log, "a");
      const child = spawn(process.execPath, [cli, ...args], { cwd: scratch, detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, TMPDIR: scratch, ...baseEnv, ...env } });
      started.push(child);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return { child, log, exited };
    },
    killAll(): void {
      for (const c of started.splice(0)) killGroup(c);
    },
  };
}

/** A host's JSON log lines. */
export const logLines = (h: Host) =>
  readFileSync(h.log, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

export async function waitFor(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGKILL to the process and every process it started (a host going down). */
export function killGroup(child: ChildProcess): void {
  try {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/** A test experiment and its one-machine build: the cube every distributed build of it must equal. */
export interface Reference {
  experiment: string;
  /** The one-machine cube. */
  cube: string;
  /** From the one-machine build's summary: rows written, X values read and used, and what the input left out. */
  counts: BuildCounts;
}

/** The counts of a build's summary that every way of building the same plan must report alike. */
export interface BuildCounts {
  rows: number;
  nnz: number;
  valuesUsed: number;
  cellsWithoutGroup: number;
  xRowsWithoutObs: number;
}

/** The BuildCounts of a summary (a build's, a queue coordinator's). */
export function buildCounts(summary: BuildCounts): BuildCounts {
  const { rows, nnz, valuesUsed, cellsWithoutGroup, xRowsWithoutObs } = summary;
  return { rows, nnz, valuesUsed, cellsWithoutGroup, xRowsWithoutObs };
}

/** Makes the `sparse-many-groups` test experiment under `root` and builds it on one machine, as the distributed builds will plan it. */
export function oneMachineReference(root: string): Reference {
  runPython(join(repoRoot, "tools/python/make_test_experiments.py"), [join(root, "exps"), "--seed", "1", "--only", "sparse-many-groups"]);
  const experiment = join(root, "exps", "sparse-many-groups");
  const cube = join(root, "one-machine");
  const r = cubeBuilder(["build", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "2", "--min-batch-size", "100", "--log-format", "json"]);
  if (r.status !== 0) throw new Error(`the one-machine build failed (exit ${r.status}): ${r.stderr}`);
  return { experiment, cube, counts: buildCounts(JSON.parse(r.stdout.trim().split("\n").pop()!)) };
}

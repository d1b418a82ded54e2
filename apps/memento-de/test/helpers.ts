import { execFileSync, type SpawnSyncReturns, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const appRoot = resolve(here, "..");
export const repoRoot = resolve(appRoot, "../..");
export const cli = join(appRoot, "dist/cli.js");
export const cubeBuilderCli = join(repoRoot, "apps/cube-builder/dist/cli.js");
export const synthCensusCli = join(repoRoot, "tools/synth-census/dist/cli.js");
export const referenceCubes = join(repoRoot, "apps/cube-builder/test/reference-cubes");
export const fixture = resolve(repoRoot, "../shared/fixtures/census-homo-sapiens-small");
/** The Python with tiledb and pyarrow: env PYTHON, else the repo's .venv. Tests fail (not skip) when it is missing. */
export const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function runPython(args: string[], input?: string): string {
  return execFileSync(python, args, { encoding: "utf8", input, maxBuffer: 256 * 2 ** 20, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
}

/** Runs a built CLI in a fresh process, as users run it. */
export function node(script: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, ...args], { encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
}

export function mementoDe(args: string[]): SpawnSyncReturns<string> {
  return node(cli, ["--log-format", "json", ...args]);
}

/** Builds a cube with cube-builder; throws with its log when the build fails. */
export function buildCube(experiment: string, cube: string, extra: string[] = []): void {
  const r = node(cubeBuilderCli, ["build", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "2", "--log-format", "json", ...extra]);
  if (r.status !== 0) throw new Error(`cube-builder failed (${r.status}): ${r.stderr}`);
}

/** The shared fixture copied to `dest` with its missing `var` restored (see the fixture README). */
export function restoredFixture(dest: string): string {
  cpSync(fixture, dest, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", dest]);
  runPython([join(repoRoot, "tools/python/restore_fixture_var.py"), dest]);
  return dest;
}

export type Table = Record<string, string>[];

/** A TSV or CSV file (no quoting: ids and numbers only) as rows keyed by the header. */
export function readDelimited(path: string, sep: string): Table {
  const [head, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const names = head.split(sep);
  return lines.map((l) => Object.fromEntries(l.split(sep).map((v, i) => [names[i], v])));
}

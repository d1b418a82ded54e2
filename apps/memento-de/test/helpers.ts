import type { SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot, runCli } from "@census-cube/test-support";

export { repoRoot, restoredFixture, runCli, runPython, tempDir } from "@census-cube/test-support";

export const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const cli = join(appRoot, "dist/cli.js");
export const cubeBuilderCli = join(repoRoot, "apps/cube-builder/dist/cli.js");
export const synthCensusCli = join(repoRoot, "tools/synth-census/dist/cli.js");
export const referenceCubes = join(repoRoot, "apps/cube-builder/test/reference-cubes");

export function mementoDe(args: string[]): SpawnSyncReturns<string> {
  return runCli(cli, ["--log-format", "json", ...args]);
}

/** Builds a cube with cube-builder; throws with its log when the build fails. */
export function buildCube(experiment: string, cube: string, extra: string[] = []): void {
  const r = runCli(cubeBuilderCli, ["build", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "2", "--log-format", "json", ...extra]);
  if (r.status !== 0) throw new Error(`cube-builder failed (${r.status}): ${r.stderr}`);
}

export type Table = Record<string, string>[];

/** A TSV or CSV file (no quoting: ids and numbers only) as rows keyed by the header. */
export function readDelimited(path: string, sep: string): Table {
  const [head, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const names = head.split(sep);
  return lines.map((l) => Object.fromEntries(l.split(sep).map((v, i) => [names[i], v])));
}

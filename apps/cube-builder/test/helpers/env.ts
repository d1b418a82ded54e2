import type { SpawnSyncReturns } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "@census-cube/test-support";

export { compareCubes, dumpCube, freePort, python, repoRoot, restoredFixture, runPython, tempDir } from "@census-cube/test-support";

const here = dirname(fileURLToPath(import.meta.url));
export const appRoot = resolve(here, "../..");
export const cli = join(appRoot, "dist/cli.js");
/** The small experiment bundled with the app (what `cube-builder demo` builds). */
export const demoExperiment = join(appRoot, "demo/experiment");
export const referenceCubes = join(appRoot, "test/reference-cubes");

/** Runs the built CLI (a fresh process, as users run it). */
export function cubeBuilder(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return runCli(cli, args, { env });
}

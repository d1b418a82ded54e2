import { type SpawnSyncReturns, execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const appRoot = resolve(here, "../..");
export const repoRoot = resolve(appRoot, "../..");
export const cli = join(appRoot, "dist/cli.js");
/** The small experiment bundled with the app (what `cube-builder demo` builds). */
export const demoExperiment = join(appRoot, "demo/experiment");
export const referenceCubes = join(appRoot, "test/reference-cubes");
export const dumpCube = join(appRoot, "test/python/dump_cube.py");
export const fixture = resolve(repoRoot, "../shared/fixtures/census-homo-sapiens-small");
/** The Python with tiledb: env PYTHON, else the repo's .venv. Tests fail (not skip) when it is missing. */
export const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function runPython(script: string, args: string[]): string {
  return execFileSync(python, [script, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The shared fixture copied to `dest` with its missing `var` restored (see the fixture README). */
export function restoredFixture(dest: string): string {
  cpSync(fixture, dest, { recursive: true });
  chmodSync(dest, 0o755);
  execFileSync("chmod", ["-R", "u+w", dest]);
  runPython(join(repoRoot, "tools/python/restore_fixture_var.py"), [dest]);
  return dest;
}

/** Runs the built CLI (a fresh process, as users run it). */
export function cubeBuilder(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 });
}

/**
 * dump_cube.py --compare: exit 0 when equal; the output lists every difference otherwise. `maxZstdLevel`: the
 * expected cube's zstd levels are capped at it first (a cube built with --zstd-level-cap against the reference's).
 */
export function compareCubes(actual: string, expected: string, options: { maxZstdLevel?: number } = {}): { status: number; out: string } {
  const cap = options.maxZstdLevel === undefined ? [] : ["--max-zstd-level", String(options.maxZstdLevel)];
  const r = spawnSync(python, [dumpCube, actual, "--compare", expected, ...cap], { encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

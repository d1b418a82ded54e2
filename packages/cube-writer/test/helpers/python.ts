import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const packageRoot = resolve(here, "../..");
export const repoRoot = resolve(packageRoot, "../..");
export const referenceCubes = join(repoRoot, "apps/cube-builder/test/reference-cubes");
export const dumpCube = join(repoRoot, "apps/cube-builder/test/python/dump_cube.py");
export const cubeValues = join(packageRoot, "test/python/cube_values.py");

/** The Python with tiledb: env PYTHON, else the repo's .venv. Tests fail (not skip) when it is missing. */
export const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

export function runPython(script: string, args: string[]): string {
  return execFileSync(python, [script, ...args], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs dump_cube.py --compare; returns its exit code and output (the differences on failure). */
export function compareCubes(actual: string, expected: string, extra: string[] = []): { status: number; out: string } {
  const r = spawnSync(python, [dumpCube, actual, "--compare", expected, ...extra], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

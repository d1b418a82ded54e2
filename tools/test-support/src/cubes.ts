import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { python } from "./python.js";
import { repoRoot } from "./repo.js";

/** The script that dumps a cube's every value and schema through Python tiledb, and compares two cubes. */
export const dumpCube = join(repoRoot, "apps/cube-builder/test/python/dump_cube.py");

/**
 * dump_cube.py --compare: status 0 when the cubes are equal; `out` lists every difference otherwise.
 * `maxZstdLevel`: the expected cube's zstd levels are capped at it first (a cube built with a level cap against the
 * reference's). `s3Endpoint`: s3:// cubes are read through it by Python tiledb's S3 client.
 */
export function compareCubes(actual: string, expected: string, options: { maxZstdLevel?: number; s3Endpoint?: string } = {}): { status: number; out: string } {
  const cap = options.maxZstdLevel === undefined ? [] : ["--max-zstd-level", String(options.maxZstdLevel)];
  const s3 = options.s3Endpoint === undefined ? [] : ["--s3-endpoint", options.s3Endpoint];
  const r = spawnSync(python, [dumpCube, actual, "--compare", expected, ...cap, ...s3], { encoding: "utf8", maxBuffer: 512 * 2 ** 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

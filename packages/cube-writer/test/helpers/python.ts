import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot } from "@census-cube/test-support";

export { compareCubes, dumpCube, python, repoRoot, runPython, tempDir } from "@census-cube/test-support";

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const referenceCubes = join(repoRoot, "apps/cube-builder/test/reference-cubes");
export const cubeValues = join(packageRoot, "test/python/cube_values.py");

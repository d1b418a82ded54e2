// The helpers every package's tests share. What only one package needs (its corpora, its Python scripts) stays in
// that package's test/helpers, built on these.
export { compareCubes, dumpCube } from "./cubes.js";
export { freePort } from "./ports.js";
export { python, runPython, type RunPythonOptions } from "./python.js";
export { restoredFixture, sharedFixture } from "./fixture.js";
export { xorshift32 } from "./random.js";
export { repoRoot } from "./repo.js";
export { runCli, type RunCliOptions } from "./cli.js";
export { tempDir, type TempDir } from "./temp-dir.js";

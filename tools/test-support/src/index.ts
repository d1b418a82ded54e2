// The helpers every package's tests share. Package-specific helpers (corpora, cube comparisons) stay in each
// package's test/helpers and build on these.
export { compareCubes, dumpCube } from "./cubes.js";
export { freePort } from "./ports.js";
export { python, runPython, type RunPythonOptions } from "./python.js";
export { restoredFixture, sharedFixture } from "./fixture.js";
export { repoRoot } from "./repo.js";
export { runCli, type RunCliOptions } from "./cli.js";
export { tempDir, type TempDir } from "./temp-dir.js";

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo.js";

/** The Python with tiledb, tiledbsoma and pyarrow: env PYTHON, else the repository's .venv (setup.sh makes it). */
export const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

export interface RunPythonOptions {
  /** Written to the script's stdin (default: none). */
  input?: string;
  /** Milliseconds before the script is killed (default: no limit). */
  timeout?: number;
  /** The most stdout it may print, in bytes (default 512 MiB). */
  maxBuffer?: number;
}

/**
 * Runs `python script ...args` and returns its stdout; throws with its stderr when it fails. A missing Python fails
 * the test (never skips it). `script` may be `-c` with the code as the first argument.
 */
export function runPython(script: string, args: string[], options: RunPythonOptions = {}): string {
  if (!existsSync(python)) throw new Error(`Python not found at ${python}: run \`npm run setup\`, or set PYTHON to a Python with tiledb installed`);
  return execFileSync(python, [script, ...args], {
    encoding: "utf8",
    input: options.input,
    timeout: options.timeout,
    maxBuffer: options.maxBuffer ?? 512 * 2 ** 20,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
}

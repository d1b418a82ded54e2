import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";

/** The repository root (tools/bench/src/lib/../../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The Python with tiledb and tiledbsoma: env PYTHON, else the repository's .venv. */
export const defaultPython = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

type BenchOptions = NonNullable<ParseArgsConfig["options"]>;

/** A benchmark's flags, strictly parsed (an unknown flag is an error); the bare `--` pnpm passes on is dropped. */
export function benchArgs<const O extends BenchOptions>(options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O }>>["values"] {
  return parseArgs({ args: process.argv.slice(2).filter((a) => a !== "--"), options }).values;
}

/** `--experiment DIR` and `--work DIR` (created if missing), both required: exits 2 naming them when one is missing. */
export function experimentAndWork(bench: string, values: { experiment?: string; work?: string }): { experiment: string; work: string } {
  if (!values.experiment || !values.work) {
    console.error(`${bench}: --experiment DIR and --work DIR are required`);
    process.exit(2);
  }
  const work = resolve(values.work);
  mkdirSync(work, { recursive: true });
  return { experiment: resolve(values.experiment), work };
}

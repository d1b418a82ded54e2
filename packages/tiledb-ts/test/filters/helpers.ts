import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const packageRoot = resolve(here, "../..");
export const repoRoot = resolve(packageRoot, "../..");

/** The Python with `tiledb`: env PYTHON, else the repository's .venv. Missing Python fails the test. */
export function python(): string {
  const p = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");
  if (!existsSync(p) && !process.env.PYTHON) throw new Error(`Python not found at ${p}; set PYTHON to a Python with tiledb installed`);
  return p;
}

/** Runs `test/python/filters_corpus.py` into a fresh temp dir; returns the dir. */
export function generateFiltersCorpus(): string {
  const out = mkdtempSync(join(tmpdir(), "tiledb-ts-filters-"));
  execFileSync(python(), [join(packageRoot, "test/python/filters_corpus.py"), out], { stdio: "inherit", timeout: 240_000 });
  return out;
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

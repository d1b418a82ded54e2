import { runPython, tempDir, xorshift32 } from "@census-cube/test-support";
import { pythonScript } from "../paths.js";

/** Runs `test/python/filters_corpus.py` into a fresh temp dir; returns the dir. */
export function generateFiltersCorpus(): string {
  const out = tempDir("tiledb-ts-filters-").path;
  runPython(pythonScript("filters_corpus.py"), [out], { timeout: 240_000 });
  return out;
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const next = xorshift32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 ** 32) & 0xff;
  return out;
}

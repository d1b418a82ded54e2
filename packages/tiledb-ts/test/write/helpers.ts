import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const packageRoot = resolve(here, "../..");
export const repoRoot = resolve(packageRoot, "../..");
export const fixtureRoot = resolve(repoRoot, "../shared/fixtures/census-homo-sapiens-small");

/** The Python with `tiledb`: env PYTHON, else the repository's .venv. A missing Python fails the test. */
export function python(): string {
  const p = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");
  if (!existsSync(p)) throw new Error(`Python not found at ${p}; set PYTHON to a Python with tiledb installed`);
  return p;
}

/** Runs `test/python/<script>` with `args`; returns stdout. */
export function runPython(script: string, args: string[], timeout = 240_000): string {
  return execFileSync(python(), [join(packageRoot, "test/python", script), ...args], { encoding: "utf8", timeout, maxBuffer: 256 << 20 });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A copy of the shared fixture in a temp folder (tests never write into the original). */
export function fixtureCopy(): string {
  const dir = tempDir("tiledb-ts-fixture-");
  const dest = join(dir, "census");
  cpSync(fixtureRoot, dest, { recursive: true });
  return dest;
}

export interface PyArray {
  error?: string;
  schema: {
    sparse: boolean;
    allows_duplicates: boolean;
    capacity: number;
    cell_order: string;
    tile_order: string;
    coords_filters: Array<[string, Record<string, unknown>]>;
    offsets_filters: Array<[string, Record<string, unknown>]>;
    validity_filters: Array<[string, Record<string, unknown>]>;
    dims: Array<{ name: string; dtype: string; var: boolean; domain: unknown[] | null; tile: unknown; filters: Array<[string, Record<string, unknown>]> }>;
    attrs: Array<{ name: string; dtype: string; var: boolean; nullable: boolean; ascii: boolean; enum_label: string | null; filters: Array<[string, Record<string, unknown>]> }>;
  };
  cells: Record<string, unknown[]>;
  meta: Record<string, unknown>;
  nonempty_domain: unknown[][] | null;
  fragments: number;
  enumerations: Record<string, string[]>;
}

export interface PyGroup {
  error?: string;
  members: Array<{ name: string | null; uri: string; type: "array" | "group" }>;
  meta: Record<string, unknown>;
}

/** What Python `tiledb` sees in the given arrays and groups (test/python/write_check.py). */
export function pythonView(req: { arrays?: string[]; groups?: string[] }): { arrays: Record<string, PyArray>; groups: Record<string, PyGroup> } {
  const dir = tempDir("tiledb-ts-check-");
  const reqFile = join(dir, "request.json");
  const outFile = join(dir, "out.json");
  writeFileSync(reqFile, JSON.stringify(req));
  runPython("write_check.py", [reqFile, outFile]);
  return JSON.parse(readFileSync(outFile, "utf8"));
}

/** A small seeded generator (mulberry32), so every run writes the same cells. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runPython, tempDir } from "@census-cube/test-support";
import { pythonScript } from "../paths.js";

export { runPython, tempDir } from "@census-cube/test-support";
export { fixtureRoot, packageRoot, pythonScript, repoRoot } from "../paths.js";

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
  try {
    const reqFile = join(dir.path, "request.json");
    const outFile = join(dir.path, "out.json");
    writeFileSync(reqFile, JSON.stringify(req));
    runPython(pythonScript("write_check.py"), [reqFile, outFile], { timeout: 240_000 });
    return JSON.parse(readFileSync(outFile, "utf8"));
  } finally {
    dir.remove();
  }
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

import { cp } from "node:fs/promises";
import { join } from "node:path";
import { runPython, tempDir } from "@census-cube/test-support";
import { fixtureRoot, pythonScript } from "../paths.js";

export { tempDir } from "@census-cube/test-support";
export { fixtureRoot } from "../paths.js";

/** Runs test/python/format_arrays.py (Python tiledb) with `args` and parses its JSON output. */
export function formatArrays<T = unknown>(...args: string[]): T {
  return JSON.parse(runPython(pythonScript("format_arrays.py"), args)) as T;
}

/** A writable copy of one array or group of the shared fixture. */
export async function copyFixture(rel: string): Promise<string> {
  const dst = join(tempDir("tiledb-ts-fixture-").path, rel.replace(/\//g, "_"));
  await cp(join(fixtureRoot, rel), dst, { recursive: true });
  return dst;
}

/** JSON with bigints as strings and byte arrays as hex, for deep comparisons. */
export function canon(x: unknown): unknown {
  return JSON.parse(
    JSON.stringify(x, (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, String);
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    }),
  );
}

/** A domain value as Python reports it (numbers; 64-bit ints that fit as numbers). */
export function num(v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}

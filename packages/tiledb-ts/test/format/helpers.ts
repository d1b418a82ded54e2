import { execFileSync } from "node:child_process";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../../..");
export const fixtureRoot = resolve(repoRoot, "../shared/fixtures/census-homo-sapiens-small");
export const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");
export const formatScript = resolve(here, "../python/format_arrays.py");

/** Runs the format helper script with Python tiledb and parses its JSON output. */
export function runPython<T = unknown>(...args: string[]): T {
  const out = execFileSync(python, [formatScript, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tiledb-ts-${prefix}-`));
}

/** A writable copy of one array or group of the shared fixture. */
export async function copyFixture(rel: string): Promise<string> {
  const dir = await tempDir("fixture");
  const dst = join(dir, rel.replace(/\//g, "_"));
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

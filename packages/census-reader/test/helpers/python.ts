import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const packageRoot = resolve(here, "../..");
export const repoRoot = resolve(packageRoot, "../..");
export const fixtureDir = resolve(repoRoot, "../shared/fixtures/census-homo-sapiens-small");

/** The Python with tiledbsoma: env PYTHON, else the repo's .venv. Tests fail (not skip) when it is missing. */
export const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

export function runPython(script: string, args: string[], options: { maxBuffer?: number } = {}): string {
  return execFileSync(python, [script, ...args], { encoding: "utf8", maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A writable copy of the shared fixture with the missing `ms/RNA/var` restored by the project script. */
export function restoredFixtureCopy(dir: string): string {
  const dest = join(dir, "census-homo-sapiens-small");
  cpSync(fixtureDir, dest, { recursive: true });
  makeWritable(dest);
  runPython(join(repoRoot, "tools/python/restore_fixture_var.py"), [dest]);
  return dest;
}

/** The fixture is read-only on disk and copies keep its modes; the copy must be writable. */
function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.mode | 0o200);
  if (st.isDirectory()) for (const e of readdirSync(path)) makeWritable(join(path, e));
}

import { chmodSync, cpSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { runPython } from "./python.js";
import { repoRoot } from "./repo.js";

/** The shared Census fixture (read-only; tests write only into copies). */
export const sharedFixture = resolve(repoRoot, "../shared/fixtures/census-homo-sapiens-small");

/** A writable copy of the shared fixture at `dest`, its missing `ms/RNA/var` restored (see the fixture's README). */
export function restoredFixture(dest: string): string {
  cpSync(sharedFixture, dest, { recursive: true });
  makeWritable(dest);
  runPython(join(repoRoot, "tools/python/restore_fixture_var.py"), [dest]);
  return dest;
}

/** The fixture is read-only on disk and copies keep its modes. */
function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.mode | 0o200);
  if (st.isDirectory()) for (const e of readdirSync(path)) makeWritable(join(path, e));
}

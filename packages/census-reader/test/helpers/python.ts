import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { restoredFixture } from "@census-cube/test-support";

export { repoRoot, runPython, sharedFixture as fixtureDir, tempDir } from "@census-cube/test-support";

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A writable copy of the shared fixture in `dir`, with the missing `ms/RNA/var` restored by the project script. */
export function restoredFixtureCopy(dir: string): string {
  return restoredFixture(join(dir, "census-homo-sapiens-small"));
}

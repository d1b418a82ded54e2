import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export { repoRoot, sharedFixture as fixtureRoot } from "@census-cube/test-support";

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A script of test/python, for `runPython`. */
export function pythonScript(name: string): string {
  return join(packageRoot, "test/python", name);
}

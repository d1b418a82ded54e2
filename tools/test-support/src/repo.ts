import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tools/test-support/src/../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

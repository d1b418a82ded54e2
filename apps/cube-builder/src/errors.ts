/** Every code a CubeBuilderError carries: stable, for callers to branch on. */
export type CubeBuilderErrorCode =
  | "E_BAD_FLAG"
  | "E_BATCH_FAILED"
  | "E_CORRUPT_PLAN"
  | "E_CUBE_EXISTS"
  | "E_CUBE_LOCKED"
  | "E_CUBE_PATH"
  | "E_GROUP_TWICE"
  | "E_INVALID_CUBE"
  | "E_MISSING_BATCHES"
  | "E_MEMORY_BUDGET"
  | "E_MISSING_COLUMN"
  | "E_NOT_CUBE"
  | "E_NO_CELLS"
  | "E_NO_PLAN"
  | "E_OVERWRITE_NOT_CUBE"
  | "E_PLAN"
  | "E_READ_ONLY"
  | "E_RESUME_MISMATCH";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class CubeBuilderError extends Error {
  readonly code: CubeBuilderErrorCode;
  constructor(code: CubeBuilderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CubeBuilderError";
    this.code = code;
  }
}

/** Exit codes of every command. */
export const EXIT = { ok: 0, badInput: 1, invalidCube: 2, failure: 3, interrupted: 130 } as const;

/** Codes that say the cube (or a file it reads) is invalid or damaged. */
const INVALID_CUBE = new Set(["E_INVALID_CUBE", "E_NOT_CUBE", "E_CORRUPT", "E_CORRUPT_STAGING", "E_GROUP_WRITTEN", "E_GROUP_CYCLE"]);
/** Codes of failures that are not the user's input: a worker died or hung, the lock was lost, a write failed. */
const FAILURE = /^E_WORKER_|^E_BATCH_FAILED$|^E_LOCK_LOST$|^E_WRITE$|^E_CONSOLIDATE$|^E_IO$|^E_TASK_FAILED$|^E_SHUTDOWN$/;

/**
 * 1 bad input or a refused action (the message says what to change), 2 an invalid cube, 3 an internal or worker
 * failure (and any error without a code: a bug), 130 interrupted (set by the signal handler, not here).
 */
export function exitCodeOf(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return EXIT.failure;
  if (INVALID_CUBE.has(code)) return EXIT.invalidCube;
  if (FAILURE.test(code)) return EXIT.failure;
  return EXIT.badInput;
}

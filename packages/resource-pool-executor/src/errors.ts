/** Every code a ExecutorError carries: stable, for callers to branch on. */
export type ExecutorErrorCode =
  | "E_ABORTED"
  | "E_INVALID_ARGUMENT"
  | "E_SHUTDOWN"
  | "E_TASK_FAILED"
  | "E_TASK_MODULE_LOAD"
  | "E_UNKNOWN_TASK"
  | "E_UNSUPPORTED"
  | "E_WORKER_CRASHED"
  | "E_WORKER_EXIT"
  | "E_WORKER_HUNG"
  | "E_WORKER_KILLED"
  | "E_WORKER_OUT_OF_MEMORY"
  | "E_WORKER_STARTUP"
  | "E_WORKER_UNCAUGHT";

/** The one error class of this package: `code` is stable, the message names the thing at fault. */
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;
  constructor(code: ExecutorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ExecutorError";
    this.code = code;
  }
}

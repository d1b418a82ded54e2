import workerpool from "workerpool";
import { ExecutorError, type ExecutorErrorCode } from "./errors.js";
import { ENTRY_MARK, WORKER_ERROR } from "./protocol.js";

/** What a rejected workerpool call means for the task and for the worker that ran it. */
export type Failure =
  /** The task itself threw or rejected; the worker is fine. */
  | { kind: "task"; error: ExecutorError }
  /** The worker is gone or must be replaced; the task failed with it. */
  | { kind: "worker"; error: ExecutorError }
  /** The worker had died before the call reached it: the task never ran and can be queued again. */
  | { kind: "not-started" };

interface Context {
  task: string;
  pid: number | null;
  heapLimitMb: number | undefined;
}

/** Turn the error workerpool rejected a call with into an ExecutorError that says what happened. */
export function classifyFailure(err: unknown, ctx: Context): Failure {
  const who = ctx.pid === null ? "worker process" : `worker process ${ctx.pid}`;
  const what = `task "${ctx.task}"`;
  if (err instanceof workerpool.TerminateError) {
    if (err.message === "Worker is terminated") return { kind: "not-started" };
    // The request could not even be written: the worker had gone and its channel was closed.
    const causeCode = (err.cause as { code?: unknown } | undefined)?.code;
    if (causeCode === "ERR_IPC_CHANNEL_CLOSED" || causeCode === "EPIPE") return { kind: "not-started" };
    // workerpool reports the exit in its message; exitCode/signalCode are the only facts we get.
    const exitCode = /exitCode: `([^`]*)`/.exec(err.message)?.[1];
    const signal = /signalCode: `([^`]*)`/.exec(err.message)?.[1];
    if (signal && signal !== "null") {
      if (signal === "SIGABRT") {
        const limit = ctx.heapLimitMb === undefined ? "" : ` (heap limit ${ctx.heapLimitMb} MB)`;
        return worker(
          "E_WORKER_OUT_OF_MEMORY",
          `${who} aborted (SIGABRT) while running ${what}: the JavaScript heap is most likely out of memory${limit}`,
          err,
        );
      }
      const by =
        signal === "SIGKILL" ? " (by another process, or by the kernel's out-of-memory killer)" : "";
      return worker("E_WORKER_KILLED", `${who} was killed by ${signal}${by} while running ${what}`, err);
    }
    if (exitCode !== undefined && exitCode !== "null") {
      return worker("E_WORKER_EXIT", `${who} exited with code ${exitCode} while running ${what}`, err);
    }
    return worker("E_WORKER_CRASHED", `${who} failed while running ${what}: ${firstLine(err.message)}`, err);
  }
  const e = err instanceof Error ? (err as Error & Record<string, unknown>) : null;
  if (e?.[ENTRY_MARK]) {
    if (e.code === WORKER_ERROR.uncaught) return worker(WORKER_ERROR.uncaught, `${what} failed: ${e.message}`, cleanCause(e));
    return { kind: "task", error: new ExecutorError(String(e.code) as ExecutorErrorCode, e.message, { cause: cleanCause(e) }) };
  }
  const detail = e ? `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}` : String(err);
  return { kind: "task", error: new ExecutorError("E_TASK_FAILED", `${what} failed: ${detail}`, { cause: e ? cleanCause(e) : err }) };
}

/** Whether workerpool rejected because it saw the process exit (its "Worker error" variant may leave it running). */
export function exitSeen(err: unknown): boolean {
  return err instanceof workerpool.TerminateError && !err.message.startsWith("Workerpool Worker error");
}

function worker(code: ExecutorErrorCode, message: string, cause: unknown): Failure {
  return { kind: "worker", error: new ExecutorError(code, message, { cause }) };
}

function firstLine(s: string): string {
  return s.split("\n", 1)[0];
}

/** workerpool rebuilds worker errors as plain Errors with the original fields copied on; drop our marker. */
function cleanCause(e: Error & Record<string, unknown>): Error {
  delete e[ENTRY_MARK];
  return e;
}

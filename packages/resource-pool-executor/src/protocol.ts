/**
 * The small protocol between the executor and its worker entry, on top of workerpool's RPC.
 * Both sides import these names so they cannot drift apart.
 */

/** workerpool method that loads the task module, runs the start-up hook and answers with the pid. */
export const START_METHOD = "__rpe_start__";
/** workerpool method that runs one exported function of the task module. */
export const RUN_METHOD = "__rpe_run__";

/** Error codes the worker entry puts on errors it raises itself (as opposed to errors thrown by tasks). */
export const WORKER_ERROR = {
  /** The task module has no exported function of that name. */
  unknownTask: "E_UNKNOWN_TASK",
  /** The task module could not be imported. */
  moduleLoad: "E_TASK_MODULE_LOAD",
  /** An exception escaped the task (a stray callback or an unhandled rejection); the worker must be replaced. */
  uncaught: "E_WORKER_UNCAUGHT",
} as const;

/** Property set on errors raised by the worker entry, so they are not mistaken for a task's own error code. */
export const ENTRY_MARK = "__rpeEntry";

export interface StartReply {
  pid: number;
}

/** Marks the event a starting worker sends once the task module is imported (its start-up hook runs next). */
export const LOADED_MARK = "__rpeLoaded";

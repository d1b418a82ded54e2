import workerpool from "workerpool";
import { HEARTBEAT_MARK } from "./protocol.js";

/**
 * For task code: tells the parent's watchdog this worker is alive. Workers beat on a timer by themselves; a task
 * that computes for long stretches without yielding to the event loop calls this between steps. A no-op outside a
 * running task.
 */
export function heartbeat(): void {
  workerpool.workerEmit({ [HEARTBEAT_MARK]: true });
}

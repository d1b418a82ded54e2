export { BestFitQueue, type Sized } from "./best-fit-queue.js";
export { ExecutorError, type ExecutorErrorCode } from "./errors.js";
export { heartbeat } from "./heartbeat.js";
export {
  type ExecutorEvents,
  type ExecutorOptions,
  type ExecutorStats,
  ResourcePoolExecutor,
  type SubmitOptions,
  type TaskArgs,
  type TaskInfo,
  type TaskModule,
  type TaskName,
  type TaskResult,
  type WorkerInfo,
} from "./executor.js";
export { defaultMaxWorkers, MAX_DEFAULT_WORKERS, type MemoryWorkerOptions, workersForMemory } from "./worker-count.js";

export { ExecutorError } from "./errors.js";

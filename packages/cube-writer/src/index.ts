export { CubeWriterError } from "./errors.js";

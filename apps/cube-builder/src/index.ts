export { CubeBuilderError } from "./errors.js";

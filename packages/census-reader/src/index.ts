export { CensusReaderError } from "./errors.js";
export * from "./value-filter/index.js";

export { CensusReaderError } from "./errors.js";

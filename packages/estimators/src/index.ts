export { EstimatorsError } from "./errors.js";

export { TileDBError } from "./errors.js";

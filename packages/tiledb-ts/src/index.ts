export { TileDBError } from "./errors.js";
export * from "./vfs/index.js";

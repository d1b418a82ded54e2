export { startMoto, type MotoServer } from "./moto.js";
export { startToxiproxy, type Toxiproxy, type Toxic } from "./toxiproxy.js";
export { freePort, repoRoot } from "./process.js";
export { type RedisServer, startRedis } from "./redis.js";
export { uploadTree } from "./upload.js";

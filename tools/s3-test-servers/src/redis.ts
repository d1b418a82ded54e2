/**
 * A Redis server (the Debian `redis-server`, installed by setup) on loopback, without persistence: stopping it
 * loses every key, as a Redis restarted without its data does. Started again on the same port, it is the same
 * address to its clients.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort, startProcess, stopProcess } from "./process.js";

export interface RedisServer {
  /** redis://127.0.0.1:PORT/0 */
  url: string;
  port: number;
  /** Stops the server (its data and working folder go with it); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** True once the server answers PING. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let reply = "";
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once("error", () => done(false));
    s.once("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      reply += d;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const bin = (process.env.PATH ?? "").split(delimiter).map((d) => join(d, "redis-server")).find((f) => existsSync(f));
  if (!bin) throw new Error("redis-server is not on PATH: run `npm run setup` (tools/scripts/setup.sh installs it)");
  const port = await freePort();
  let dir = "";
  let child: ChildProcess | undefined;
  const start = async () => {
    dir = mkdtempSync(join(tmpdir(), "redis-"));
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
    child = await startProcess(bin, args, {}, () => pong(port), "redis-server");
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop: async () => {
      if (child) await stopProcess(child);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
    start,
  };
}

/** The cube lock across real processes: one of racing takers wins, stale locks, heartbeat, take-over, release. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { acquireCubeLock, type CubeLockInfo, CubeWriterError, cubeLockUri, readCubeLock } from "../src/index.js";
import { tempDir } from "./helpers/python.js";

const tmp = tempDir("cube-writer-lock-");
afterAll(() => tmp.remove());
let seq = 0;
const fresh = () => join(tmp.path, `cube-${seq++}`);
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** A separate node process that takes the lock and exits holding it (SIGKILL), as a crashed build does. */
function crasher(cube: string): Promise<number> {
  const script = `
    import { acquireCubeLock } from ${JSON.stringify(dist)};
    await acquireCubeLock(${JSON.stringify(cube)}, { purpose: "test" });
    process.kill(process.pid, "SIGKILL");`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "inherit", "inherit"] });
    p.on("error", reject);
    p.on("close", (_code, signal) => (signal === "SIGKILL" ? resolve(p.pid!) : reject(new Error(`crasher ended with ${signal}`))));
  });
}

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  pid: number;
}

/**
 * Processes that each load the lock code, then on "go" (all at once) try to take the lock, print the outcome and
 * hold the lock until their stdin closes: every one tries while the winner still holds it.
 */
async function race(cube: string, n: number): Promise<Outcome[]> {
  const script = `
    import { acquireCubeLock } from ${JSON.stringify(dist)};
    import { createInterface } from "node:readline";
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    console.log("ready");
    await lines.next();
    let lock;
    try {
      lock = await acquireCubeLock(${JSON.stringify(cube)}, { purpose: "test" });
      console.log(JSON.stringify({ ok: true, pid: process.pid }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, code: e.code, message: e.message, pid: process.pid }));
    }
    await lines.next();
    await lock?.release();
    process.exit(0);`;
  const procs = Array.from({ length: n }, () => spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] }));
  const lines = procs.map((p) => {
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let buf = "";
    p.stdout.on("data", (d) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        queue.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        wake?.();
      }
    });
    return async (): Promise<string> => {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    };
  });
  for (const next of lines) expect(await next()).toBe("ready");
  for (const p of procs) p.stdin.write("go\n");
  const outcomes: Outcome[] = [];
  for (const next of lines) outcomes.push(JSON.parse(await next()));
  const closed = procs.map((p) => new Promise((r) => p.on("close", r)));
  for (const p of procs) p.stdin.end("end\n");
  await Promise.all(closed);
  return outcomes;
}

describe("cube lock", () => {
  it("of 6 processes racing (twice) for one cube exactly one gets the lock; the others are told who holds it", async () => {
    expect(existsSync(dist)).toBe(true); // built by the package's build step
    for (let trial = 0; trial < 2; trial++) {
      const cube = fresh();
      const results = await race(cube, 6);
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((r) => !r.ok)) {
        expect(r.code).toBe("E_CUBE_LOCKED");
        expect(r.message).toContain(`pid ${winners[0].pid}`);
        expect(r.message).toContain("test");
      }
      expect(existsSync(cubeLockUri(cube))).toBe(false); // released
    }
  });

  it("a lock left by a killed process is refused until taken over explicitly", async () => {
    const cube = fresh();
    const crashed = { pid: await crasher(cube) };
    expect((await readCubeLock(cube))?.pid).toBe(crashed.pid);
    const refused = await acquireCubeLock(cube, { purpose: "build" }).catch((e) => e);
    expect(refused).toBeInstanceOf(CubeWriterError);
    expect(refused.code).toBe("E_CUBE_LOCKED");
    expect(refused.message).toMatch(new RegExp(`pid ${crashed.pid} .*stale: process ${crashed.pid} on .* is no longer running`));
    const lock = await acquireCubeLock(cube, { purpose: "resume", takeOver: true });
    expect((await readCubeLock(cube))).toMatchObject({ pid: process.pid, purpose: "resume", host: hostname() });
    await lock.release();
    expect(await readCubeLock(cube)).toBeUndefined();
  });

  it("a lock on another host is stale only without a heartbeat; a live one is never taken over", async () => {
    const cube = fresh();
    const other = (heartbeatAgoMs: number): CubeLockInfo => {
      const t = new Date(Date.now() - heartbeatAgoMs).toISOString();
      return { owner: "someone", host: "elsewhere.example", pid: 1, purpose: "build", acquired_at: t, heartbeat_at: t, token: "t-other" };
    };
    writeFileSync(cubeLockUri(cube), JSON.stringify(other(1000)));
    const live = await acquireCubeLock(cube, { purpose: "build", takeOver: true, staleAfterMs: 30_000 }).catch((e) => e);
    expect(live.message).toMatch(/is being written by someone@elsewhere\.example pid 1 \(build/);
    writeFileSync(cubeLockUri(cube), JSON.stringify(other(120_000)));
    const stale = await acquireCubeLock(cube, { purpose: "build", staleAfterMs: 30_000 }).catch((e) => e);
    expect(stale.message).toMatch(/looks stale: no heartbeat for 120 s \(stale after 30 s\)/);
    const lock = await acquireCubeLock(cube, { purpose: "build", takeOver: true, staleAfterMs: 30_000 });
    expect((await readCubeLock(cube))?.token).toBe(lock.info.token);
    await lock.release();
  });

  it("the holder keeps its heartbeat fresh, notices a take-over and then leaves the new holder's lock alone", async () => {
    const cube = fresh();
    const lock = await acquireCubeLock(cube, { purpose: "build", staleAfterMs: 400 });
    const first = (await readCubeLock(cube))!.heartbeat_at;
    await new Promise((r) => setTimeout(r, 700));
    const later = (await readCubeLock(cube))!.heartbeat_at;
    expect(Date.parse(later)).toBeGreaterThan(Date.parse(first));
    await lock.check();
    const usurper = { ...lock.info, pid: 424242, token: "t-new" };
    writeFileSync(cubeLockUri(cube), JSON.stringify(usurper));
    await expect(lock.check()).rejects.toMatchObject({ code: "E_LOCK_LOST" });
    await lock.release();
    expect(JSON.parse(readFileSync(cubeLockUri(cube), "utf8")).token).toBe("t-new");
  });

  it("names one lock for the spellings of one local path", () => {
    expect(cubeLockUri("a/b/")).toBe(cubeLockUri(join(process.cwd(), "a", "b")));
    expect(cubeLockUri("s3://bucket/cubes/c/")).toBe("s3://bucket/cubes/c.lock");
  });
});

import { existsSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, restoredFixture, runCli, runPython, sharedFixture, tempDir, xorshift32 } from "../src/index.js";

const tmp = tempDir("test-support-");
afterAll(() => tmp.remove());

describe("tempDir", () => {
  it("makes a fresh folder per call and removes it with everything in it", () => {
    const a = tempDir("test-support-a-");
    const b = tempDir("test-support-a-");
    expect(a.path).not.toBe(b.path);
    writeFileSync(join(a.path, "f"), "x");
    a.remove();
    b.remove();
    expect(existsSync(a.path)).toBe(false);
    expect(existsSync(b.path)).toBe(false);
  });
});

describe("runPython", () => {
  it("returns the script's stdout and feeds it stdin", () => {
    expect(runPython("-c", ["import sys; print(sys.argv[1] + sys.stdin.read())", "a"], { input: "b" })).toBe("ab\n");
  });

  it("imports tiledb (the Python the interop tests judge with)", () => {
    expect(runPython("-c", ["import tiledb, tiledbsoma; print('ok')"])).toBe("ok\n");
  });

  it("throws with the script's stderr when it fails", () => {
    expect(() => runPython("-c", ["import sys; sys.exit('bad thing')"])).toThrow(/bad thing/);
  });
});

describe("runCli", () => {
  it("runs a script in a fresh process with added environment, reporting the exit code", () => {
    const script = join(tmp.path, "cli.mjs");
    writeFileSync(script, "console.log(process.argv[2], process.env.TEST_SUPPORT_X, process.pid); process.exit(3);");
    const r = runCli(script, ["arg"], { env: { TEST_SUPPORT_X: "y" } });
    expect(r.status).toBe(3);
    const [arg, env, pid] = r.stdout.trim().split(" ");
    expect([arg, env]).toEqual(["arg", "y"]);
    expect(Number(pid)).not.toBe(process.pid);
  });
});

describe("freePort", () => {
  it("gives a loopback port a server can listen on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => resolve());
    });
    await new Promise((resolve) => srv.close(resolve));
  });
});

describe("restoredFixture", () => {
  it("copies the shared fixture writable, with ms/RNA/var restored", () => {
    expect(existsSync(join(sharedFixture, "ms/RNA/var"))).toBe(false);
    const dest = restoredFixture(join(tmp.path, "fixture"));
    expect(statSync(join(dest, "obs")).mode & 0o200).toBe(0o200);
    expect(runPython("-c", ["import sys, tiledbsoma; print(len(tiledbsoma.DataFrame.open(sys.argv[1]).read().concat()))", join(dest, "ms/RNA/var")]).trim()).toMatch(/^[1-9]\d*$/);
  });
});

describe("xorshift32", () => {
  it("gives the same sequence in [0, 1) for a seed, another for another seed, and runs from seed 0", () => {
    const take = (seed: number) => {
      const next = xorshift32(seed);
      return Array.from({ length: 1000 }, () => next());
    };
    const a = take(7);
    expect(take(7)).toEqual(a);
    expect(take(8)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(take(0)).size).toBe(1000);
  });
});

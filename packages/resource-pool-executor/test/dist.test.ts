import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "tsup";
import { afterAll, describe, expect, it } from "vitest";

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
// Inside the package so the built files resolve workerpool from its node_modules, as an installed copy would.
mkdirSync(join(pkgDir, "node_modules", ".cache"), { recursive: true });
const outDir = mkdtempSync(join(pkgDir, "node_modules", ".cache", "rpe-dist-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("the built package", () => {
  it("finds its worker entry next to index.js and runs plain JavaScript task modules", async () => {
    // The same entries as tsup.config.ts, without declarations (slow, and not what this checks).
    await build({
      entry: [join(pkgDir, "src/index.ts"), join(pkgDir, "src/worker-entry.ts")],
      format: ["esm"],
      target: "node20",
      outDir,
      dts: false,
      silent: true,
      config: false,
    });
    expect(existsSync(join(outDir, "worker-entry.js"))).toBe(true);
    const mod = (await import(pathToFileURL(join(outDir, "index.js")).href)) as typeof import("../src/index.js");
    const ex = new mod.ResourcePoolExecutor({
      taskModule: new URL("./fixtures/plain-tasks.mjs", import.meta.url),
      maxResources: 2,
      maxWorkers: 1,
    });
    try {
      expect(await ex.submit(1, "add", [20, 22])).toBe(42);
      const err = await ex.submit(1, "exitWith", [9]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(mod.ExecutorError);
      expect((err as InstanceType<typeof mod.ExecutorError>).code).toBe("E_WORKER_EXIT");
      expect(await ex.submit(1, "add", [1, 1])).toBe(2);
    } finally {
      await ex.shutdown();
    }
  });
});

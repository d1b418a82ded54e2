import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without declarations
import { apiReport } from "../scripts/api-report.mjs";

describe("public API", () => {
  it("is the list the README shows", () => {
    const names: string[] = apiReport(new URL("../src/index.ts", import.meta.url).pathname);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const listed = /## Public API[\s\S]*?```\n([\s\S]*?)\n```/.exec(readme)?.[1].split("\n");
    expect(listed).toEqual(names);
  });

  it("keeps format internals and Arrow out of the root", async () => {
    const root = await import("../src/index.js");
    for (const name of ["encodeFragmentFooter", "RTREE_FANOUT", "encodeTile", "readArrow", "batchToArrow"]) expect(root).not.toHaveProperty(name);
    const format = await import("../src/format.js");
    for (const name of ["encodeFragmentFooter", "RTREE_FANOUT", "encodeTile"]) expect(format).toHaveProperty(name);
    const arrow = await import("../src/arrow.js");
    expect(arrow).toHaveProperty("readArrow");
  });
});

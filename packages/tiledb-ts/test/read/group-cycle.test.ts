/** `tiledb-ts ls` on groups that hold themselves (directly or through a child): each cycle is reported, not followed. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addGroupMembers, createGroup } from "../../src/group.js";
import { packageRoot } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "tiledb-ts-cycle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ls(uri: string) {
  const tsx = join(packageRoot, "../../tools/bench/node_modules/.bin/tsx");
  // a listing that followed the cycle would never end: the timeout turns that into a failure
  return spawnSync(tsx, [join(packageRoot, "src/cli.ts"), "ls", uri], { encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 2 ** 20 });
}

describe("group cycles", () => {
  it("a group listing itself as a member, and one held by its own child, are reported and the listing fails", async () => {
    const self = join(dir, "self");
    await createGroup(self);
    await addGroupMembers(self, [{ uri: self, name: "me", relative: false, type: "group" }]);
    const r1 = ls(self);
    expect(r1.error).toBeUndefined();
    expect(r1.status).toBe(1);
    expect(r1.stdout).toMatch(/me group .*CYCLE: member "me" of .*self is .*self, which contains it/);
    expect(r1.stderr).toMatch(/refers back to itself \(1 cycle\)/);

    const parent = join(dir, "parent");
    const child = join(parent, "child");
    await createGroup(parent);
    await createGroup(child);
    await addGroupMembers(parent, [{ uri: "child", name: "child", relative: true, type: "group" }]);
    await addGroupMembers(child, [{ uri: parent, name: "up", relative: false, type: "group" }]);
    const r2 = ls(parent);
    expect(r2.status).toBe(1);
    expect(r2.stdout).toMatch(/child group child/);
    expect(r2.stdout).toMatch(/up group .*CYCLE: member "up" of .*child is .*parent, which contains it/);
    expect(r2.stdout.split("\n").length).toBeLessThan(20);
  });
});

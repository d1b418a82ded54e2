/** SOMA groups that hold themselves or an ancestor: opening such a member is refused as a cycle, not followed. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { addGroupMembers, createGroup, writeGroupMetadata } from "@census-cube/tiledb-ts";
import { afterAll, describe, expect, it } from "vitest";
import { openExperiment } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "census-reader-cycle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function somaGroup(uri: string, type: string): Promise<void> {
  await createGroup(uri);
  await writeGroupMetadata(uri, { put: { soma_object_type: type, soma_encoding_version: "1.1.0" } });
}

describe("group cycles", () => {
  it("a member that is the group itself, or an ancestor, is an E_GROUP_CYCLE error naming it", async () => {
    const exp = join(dir, "exp");
    const ms = join(exp, "ms");
    const rna = join(ms, "RNA");
    await somaGroup(exp, "SOMAExperiment");
    await somaGroup(ms, "SOMACollection");
    await somaGroup(rna, "SOMAMeasurement");
    await addGroupMembers(exp, [
      { uri: "ms", name: "ms", relative: true, type: "group" },
      // the experiment holding itself, stored as an absolute file:// URL while it is opened by path
      { uri: pathToFileURL(exp).href, name: "again", relative: false, type: "group" },
    ]);
    await addGroupMembers(ms, [{ uri: "RNA", name: "RNA", relative: true, type: "group" }]);
    // the measurement's X is its grandparent
    await addGroupMembers(rna, [{ uri: `${exp}/`, name: "X", relative: false, type: "group" }]);

    const e = await openExperiment(`${exp}/`);
    await expect(e.get("again")).rejects.toMatchObject({ code: "E_GROUP_CYCLE", message: expect.stringMatching(/member "again" at .*exp.*which contains it/) });
    const measurement = await e.measurement("RNA");
    expect(measurement.somaType).toBe("SOMAMeasurement");
    await expect(measurement.X()).rejects.toMatchObject({ code: "E_GROUP_CYCLE", message: expect.stringMatching(/RNA lists member "X" at .*exp\/, which contains it/) });
  });
});

/** Encoder round trips that Python tiledb 0.36 cannot produce itself (format 23 footers) and enumeration codecs. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { Datatype } from "../../src/datatype.js";
import {
  decodeEnumeration,
  decodeEnumerationPayload,
  encodeEnumeration,
  encodeEnumerationPayload,
  enumerationValues,
  stringEnumeration,
} from "../../src/enumeration.js";
import { buildRtreeLevels, decodeFragmentMetadata, encodeFragmentMetadata, FRAGMENT_METADATA_FILE } from "../../src/fragment-metadata.js";
import { VAR_NUM } from "../../src/schema.js";
import { canon, fixtureRoot } from "./helpers.js";

describe("fragment metadata encoding", () => {
  it("writes and reads a format 23 footer with the tile global order optional section", async () => {
    const a = await openArray(join(fixtureRoot, "ms/RNA/X/raw"));
    const f = a.fragments[0];
    const meta = await f.metadata();
    const bound = { fixed: new Uint8Array(16).fill(3), var: new Uint8Array(0) };
    const bytes = encodeFragmentMetadata(
      { ...meta, version: 23, tileGlobalOrderMins: [bound, bound], tileGlobalOrderMaxes: [bound, bound] },
      f.schema,
    );
    const back = decodeFragmentMetadata(bytes, (n) => a.schemas.get(n), "v23");
    expect(back.version).toBe(23);
    expect(back.gtOffsets.tileGlobalOrderMinOffsets).toHaveLength(2);
    expect(canon(back.tileGlobalOrderMins)).toEqual(canon([bound, bound]));
    expect(canon(back.tileOffsets)).toEqual(canon(meta.tileOffsets));
    expect(canon(back.nonEmptyDomain)).toEqual(canon(meta.nonEmptyDomain));
    // Unknown optional sections are skipped, as the spec asks.
    const raw = new Uint8Array(await readFile(join(f.uri, FRAGMENT_METADATA_FILE)));
    expect(decodeFragmentMetadata(raw, (n) => a.schemas.get(n), "v20").version).toBe(20);
  });

  it("refuses inputs whose per-field arrays do not match the schema", async () => {
    const a = await openArray(join(fixtureRoot, "ms/RNA/X/raw"));
    const meta = await a.fragments[0].metadata();
    expect(() => encodeFragmentMetadata({ ...meta, fileSizes: [1, 2] }, a.schema)).toThrow(/fileSizes has 2 entries, the schema needs 4/);
  });

  it("builds R-tree levels bottom-up with fanout 10, root first", async () => {
    const a = await openArray(join(fixtureRoot, "ms/RNA/X/raw"));
    const leaves = Array.from({ length: 123 }, (_, i) => [
      [BigInt(i * 10), BigInt(i * 10 + 9)],
      [BigInt(200 - i), BigInt(300 + i)],
    ]) as Array<Array<[bigint, bigint]>>;
    const levels = buildRtreeLevels(leaves, a.schema);
    expect(levels.map((l) => l.length)).toEqual([1, 2, 13, 123]);
    expect(levels[0][0]).toEqual([
      [0n, 1229n],
      [78n, 422n],
    ]);
    expect(buildRtreeLevels(leaves.slice(0, 1), a.schema).map((l) => l.length)).toEqual([1]);
    expect(buildRtreeLevels(leaves.slice(0, 10), a.schema).map((l) => l.length)).toEqual([1, 10]);
  });
});

describe("enumerations", () => {
  it("round-trips string labels, including empty strings and UTF-8", () => {
    const e = stringEnumeration("ct", ["", "B cell", "épithélium", "x"], { ordered: true, pathName: "__abc_22" });
    const back = decodeEnumeration(encodeEnumeration(e), "ct-file");
    expect(back.name).toBe("ct");
    expect(back.pathName).toBe("__abc_22");
    expect(back.ordered).toBe(true);
    expect(back.cellValNum).toBe(VAR_NUM);
    expect(enumerationValues(back)).toEqual(["", "B cell", "épithélium", "x"]);
  });

  it("round-trips fixed-size numeric labels", () => {
    const data = new Uint8Array(new Float64Array([1.5, -2, 3e10]).buffer);
    const e = { name: "f", pathName: "__p_22", type: Datatype.FLOAT64, cellValNum: 1, ordered: false, data, offsets: null };
    const back = decodeEnumerationPayload(encodeEnumerationPayload(e), "f");
    expect(enumerationValues(back)).toEqual([1.5, -2, 3e10]);
  });

  it("rejects corrupt enumeration files with the file name", () => {
    const e = stringEnumeration("ct", ["a", "b"]);
    const payload = encodeEnumerationPayload(e);
    expect(() => decodeEnumerationPayload(payload.subarray(0, payload.byteLength - 3), "enum-file")).toThrow(/enum-file/);
    const newer = payload.slice();
    newer[0] = 7;
    expect(() => decodeEnumerationPayload(newer, "enum-file")).toThrow(/enumeration version 7/);
    const badOffsets = payload.slice();
    // The second offset (last 8 bytes) pointing past the data.
    new DataView(badOffsets.buffer).setBigUint64(badOffsets.byteLength - 8, 1000n, true);
    expect(() => decodeEnumerationPayload(badOffsets, "enum-file")).toThrow(/out of order or past the data/);
  });
});

describe("data file names", () => {
  it("follow the format version: indexes since 9, names before, percent-encoded in 8", async () => {
    const { fieldFileName } = await import("../../src/fragment-metadata.js");
    const a = await openArray(join(fixtureRoot, "ms/RNA/X/raw"));
    const s = { ...a.schema, attributes: [{ ...a.schema.attributes[0], name: "a/b c" }] };
    expect(fieldFileName(s, "a/b c")).toBe("a0.tdb");
    expect(fieldFileName(s, "soma_dim_1", "var")).toBe("d1_var.tdb");
    expect(fieldFileName(s, "a/b c", "validity", 7)).toBe("a/b c_validity.tdb");
    expect(fieldFileName(s, "a/b c", "data", 8)).toBe("a%2Fb c.tdb");
    expect(() => fieldFileName(s, "nope")).toThrow(/no attribute or dimension named "nope"/);
  });
});

/**
 * Groups and metadata: the fixture's groups and metadata decode as Python `tiledb` reports them; group trees and
 * metadata written by tiledb-ts (members relative and absolute, removals, every value type, deletions,
 * consolidation and vacuum) are listed identically by Python `tiledb`; and round trip through tiledb-ts.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { TileDBError } from "../../src/errors.js";
import {
  addGroupMembers,
  createGroup,
  decodeGroupDetails,
  encodeGroupDetails,
  modifyGroup,
  openGroup,
  removeGroupMembers,
  writeGroupMetadata,
} from "../../src/group.js";
import {
  consolidateMetadata,
  decodeMetadataPayload,
  deleteMetadata,
  encodeMetadataPayload,
  readMetadata,
  vacuumMetadata,
  writeMetadata,
} from "../../src/metadata.js";
import { createArray } from "../../src/write/create-array.js";
import { fixtureRoot, type PyGroup, pythonView, tempDir } from "./helpers.js";

const FIXTURE_GROUPS = ["", "ms", "ms/RNA", "ms/RNA/X"].map((p) => (p ? join(fixtureRoot, p) : fixtureRoot));

function jsMeta(meta: Map<string, { value: unknown; type: Datatype }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of meta) {
    const x = v.value;
    if (v.type === Datatype.BLOB) out[k] = { bytes: Buffer.from(x as number[]).toString("hex") };
    else if (typeof x === "bigint") out[k] = { int: String(x) };
    else if (Array.isArray(x)) out[k] = x.map((e) => (typeof e === "bigint" || (typeof e === "number" && v.type !== Datatype.FLOAT32 && v.type !== Datatype.FLOAT64) ? String(e) : e));
    else if (typeof x === "number" && v.type !== Datatype.FLOAT32 && v.type !== Datatype.FLOAT64) out[k] = { int: String(x) };
    else out[k] = x;
  }
  return out;
}

function resolvedMembers(g: Awaited<ReturnType<typeof openGroup>>): PyGroup["members"] {
  return g.members
    .map((m) => ({ name: m.name ?? null, uri: m.uri.startsWith("file://") ? m.uri : pathToFileURL(m.uri).href, type: m.type as "array" | "group" }))
    .sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : (a.name ?? "") > (b.name ?? "") ? 1 : a.uri < b.uri ? -1 : 1));
}

const dir = tempDir("tiledb-ts-groups-").path;
const root = join(dir, "tree");
const outside = join(dir, "outside_array");
const arrayUri = join(dir, "meta_array");
let py: { arrays: Record<string, unknown>; groups: Record<string, PyGroup> };
let pyArrays: Record<string, { meta: Record<string, unknown>; error?: string }>;

beforeAll(async () => {
  const schema = {
    arrayType: "sparse" as const,
    dimensions: [{ name: "d", type: Datatype.INT64, domain: [0n, 9n] as [bigint, bigint], tileExtent: 5n }],
    attributes: [{ name: "a", type: Datatype.FLOAT32 }],
  };
  await createGroup(root);
  await createGroup(join(root, "sub"));
  await createArray(join(root, "arr"), schema);
  await createArray(join(root, "sub", "inner"), schema);
  await createArray(join(root, "gone"), schema);
  await createArray(outside, schema);
  await addGroupMembers(root, [
    { uri: "arr", name: "arr", relative: true },
    { uri: "sub", name: "sub", relative: true },
    { uri: outside, name: "abs", relative: false },
    { uri: "gone", name: "gone", relative: true },
  ], { timestamp: 1000 });
  await addGroupMembers(join(root, "sub"), [{ uri: "inner", name: "inner", relative: true }], { timestamp: 1000 });
  await removeGroupMembers(root, ["gone"], { timestamp: 2000 });
  await writeGroupMetadata(root, {
    put: {
      title: "a tree",
      unicode: "naïve 日本",
      pi: 3.25,
      big: 9007199254740993n,
      flag: true,
      blob: new Uint8Array([0, 1, 254, 255]),
      ints: { type: Datatype.INT32, value: [1, -2, 3] },
      floats: [0.5, 1.5],
      u16: { type: Datatype.UINT16, value: 65535 },
    },
  }, { timestamp: 1000 });
  await writeGroupMetadata(root, { put: { title: "the tree" }, del: ["flag"] }, { timestamp: 2000 });
  await createArray(arrayUri, schema);
  await writeMetadata(arrayUri, { put: { a: "1", b: 2n, c: 3.5 } }, { timestamp: 1000 });
  await writeMetadata(arrayUri, { put: { b: 20n } }, { timestamp: 2000 });
  await deleteMetadata(arrayUri, ["c"], { timestamp: 3000 });
  const view = pythonView({ arrays: [arrayUri], groups: [...FIXTURE_GROUPS, root, join(root, "sub")] });
  py = view;
  pyArrays = view.arrays as typeof pyArrays;
}, 120_000);

describe("payload codecs", () => {
  it("group details round trip, deleted flags kept", () => {
    const members = [
      { uri: "a", type: "array" as const, relative: true, name: "a", deleted: false },
      { uri: "file:///x/y", type: "group" as const, relative: false, deleted: true },
    ];
    expect(decodeGroupDetails(encodeGroupDetails(members))).toEqual({ version: 2, members: members.map((m) => ({ name: undefined, ...m })) });
  });
  it("metadata entries round trip, sorted by key, deletions without value", () => {
    const entries = [
      { key: "z", value: { type: Datatype.INT32, count: 1, raw: new Uint8Array([1, 0, 0, 0]) } },
      { key: "a" },
    ];
    expect(decodeMetadataPayload(encodeMetadataPayload(entries))).toEqual([entries[1], entries[0]]);
  });
  it("a group file with an unknown version is rejected, naming the file", () => {
    const bytes = encodeGroupDetails([]);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, 9, true);
    expect(() => decodeGroupDetails(bytes, "g/__group/x")).toThrow(/g\/__group\/x: unsupported group format version 9/);
  });
});

describe("the fixture's groups and metadata", () => {
  for (const uri of FIXTURE_GROUPS) {
    it(`${uri.slice(fixtureRoot.length) || "/"} lists the members and metadata Python tiledb lists`, async () => {
      const g = await openGroup(uri);
      const want = py.groups[uri];
      expect(want.error).toBeUndefined();
      expect(resolvedMembers(g)).toEqual(want.members);
      expect(jsMeta(g.metadata)).toEqual(want.meta);
    });
  }
  it("array metadata of obs and X/raw equal what Python reads", async () => {
    const raw = await readMetadata(join(fixtureRoot, "ms/RNA/X/raw"));
    expect(raw.get("soma_object_type")?.value).toBe("SOMASparseNDArray");
    expect(raw.get("soma_dim_0_domain_upper")?.value).toBe(52005932n);
    const obs = await readMetadata(join(fixtureRoot, "obs"));
    expect(obs.get("soma_object_type")?.value).toBe("SOMADataFrame");
  });
});

describe("groups written by tiledb-ts", () => {
  it("the tree is listed identically by Python tiledb (relative and absolute members, removal)", async () => {
    for (const uri of [root, join(root, "sub")]) {
      const want = py.groups[uri];
      expect(want.error).toBeUndefined();
      expect(resolvedMembers(await openGroup(uri))).toEqual(want.members);
    }
    expect(py.groups[root].members.map((m) => m.name)).toEqual(["abs", "arr", "sub"]);
  });
  it("group metadata of every value type reads back equal in Python and tiledb-ts", async () => {
    const g = await openGroup(root);
    const want = py.groups[root].meta;
    expect(want).toMatchObject({
      title: "the tree",
      unicode: "naïve 日本",
      pi: 3.25,
      big: { int: "9007199254740993" },
      blob: { bytes: "0001feff" },
      ints: ["1", "-2", "3"],
      floats: [0.5, 1.5],
    });
    expect(want.flag).toBeUndefined();
    expect(jsMeta(g.metadata)).toEqual(want);
  });
  it("opening at an earlier time shows the earlier members and metadata", async () => {
    const g = await openGroup(root, { timestamp: 1500 });
    expect(g.members.map((m) => m.name)).toEqual(["abs", "arr", "gone", "sub"]);
    expect(g.metadata.get("title")?.value).toBe("a tree");
    expect(g.metadata.get("flag")?.value).toBe(true);
  });
  it("bad member changes are rejected before anything is written", async () => {
    const before = readdirSync(join(root, "__group")).length;
    await expect(addGroupMembers(root, [{ uri: "arr", name: "arr", relative: true }])).rejects.toThrow(/a member with that name or URI exists/);
    await expect(addGroupMembers(root, [{ uri: "nothing_here", name: "x", relative: true }])).rejects.toThrow(/is not a TileDB array or group/);
    await expect(removeGroupMembers(root, ["nope"])).rejects.toThrow(/cannot remove member nope .*no such member/);
    await expect(modifyGroup(root, { add: [{ uri: "/abs/path", relative: true, name: "y" }] })).rejects.toThrow(TileDBError);
    await expect(createGroup(root)).rejects.toThrow(/already exists/);
    expect(readdirSync(join(root, "__group")).length).toBe(before);
  });
  it("openGroup on a non-group names the URI", async () => {
    await expect(openGroup(arrayUri)).rejects.toThrow(new RegExp(`${arrayUri} is not a TileDB group`));
  });
});

describe("array metadata written by tiledb-ts", () => {
  it("writes and deletions are seen by Python tiledb", async () => {
    expect(pyArrays[arrayUri].error).toBeUndefined();
    expect(pyArrays[arrayUri].meta).toEqual({ a: "1", b: { int: "20" } });
    const m = await readMetadata(arrayUri);
    expect([...m.keys()]).toEqual(["a", "b"]);
    expect(m.get("b")?.value).toBe(20n);
  });
  it("consolidation and vacuum keep the same metadata in both libraries", async () => {
    const copy = join(dir, "meta_cons");
    await createArray(copy, { arrayType: "sparse", dimensions: [{ name: "d", type: Datatype.INT32, domain: [0, 9] }], attributes: [{ name: "a", type: Datatype.INT8 }] });
    await writeMetadata(copy, { put: { k1: "v1", k2: 2n } }, { timestamp: 10 });
    await writeMetadata(copy, { put: { k3: 0.25 }, del: ["k1"] }, { timestamp: 20 });
    const before = await readMetadata(copy);
    await consolidateMetadata(copy);
    expect(await readMetadata(copy)).toEqual(before);
    expect(await vacuumMetadata(copy)).toBe(2);
    expect(readdirSync(join(copy, "__meta")).length).toBe(1);
    expect(await readMetadata(copy)).toEqual(before);
    const view = pythonView({ arrays: [copy] }).arrays[copy] as { meta: Record<string, unknown> };
    expect(view.meta).toEqual({ k2: { int: "2" }, k3: 0.25 });
    expect(existsSync(join(copy, "__meta"))).toBe(true);
  });
  it("bad values are rejected naming the key", async () => {
    await expect(writeMetadata(arrayUri, { put: { bad: { type: Datatype.INT8, value: [300] } } })).rejects.toThrow(/metadata key "bad": value 300 does not fit int8/);
    await expect(writeMetadata(arrayUri, { put: { e: [] } })).rejects.toThrow(/metadata key "e": empty array needs an explicit type/);
  });
});

describe("changes in quick succession apply in order", () => {
  it("add then remove, put then delete, within the same millisecond", async () => {
    const g = join(dir, "quick");
    await createGroup(g);
    await createArray(join(g, "a"), { arrayType: "sparse", dimensions: [{ name: "d", type: Datatype.INT32, domain: [0, 9] }], attributes: [{ name: "v", type: Datatype.INT8 }] });
    for (let k = 0; k < 5; k++) {
      await addGroupMembers(g, [{ uri: "a", name: "a", relative: true }]);
      await removeGroupMembers(g, ["a"]);
      await writeGroupMetadata(g, { put: { k: `v${k}` } });
      await writeGroupMetadata(g, { del: ["k"] });
    }
    await addGroupMembers(g, [{ uri: "a", name: "last", relative: true }]);
    await writeGroupMetadata(g, { put: { k: "final" } });
    const opened = await openGroup(g);
    expect(opened.members.map((m) => m.name)).toEqual(["last"]);
    expect(opened.metadata.get("k")?.value).toBe("final");
    const want = pythonView({ groups: [g] }).groups[g];
    expect(want.members.map((m) => m.name)).toEqual(["last"]);
    expect(want.meta).toEqual({ k: "final" });
  });
});

/** Garbage, truncated and too-new files give a TileDBError naming the file, never garbage values. */
import { readdirSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { decodeArraySchema, decodeArraySchemaPayload, encodeArraySchema, encodeArraySchemaPayload } from "../../src/array-schema.js";
import { TileDBError } from "../../src/errors.js";
import { decodeFragmentMetadata, FRAGMENT_METADATA_FILE } from "../../src/fragment-metadata.js";
import { decodeGenericTile, encodeGenericTile } from "../../src/generic-tile.js";
import { copyFixture } from "./helpers.js";

const xSchemaDir = (arr: string) => join(arr, "__schema");
const onlyFile = (dir: string) => join(dir, readdirSync(dir).filter((n) => n.startsWith("__1"))[0]);

async function expectTileDBError(p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TileDBError);
  for (const re of patterns) expect((err as Error).message).toMatch(re);
}

describe("corrupt or unsupported input", () => {
  it("a garbage schema file names the file", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const file = onlyFile(xSchemaDir(arr));
    await writeFile(file, Buffer.from("this is not a TileDB schema file at all, just text that goes on for a while"));
    await expectTileDBError(openArray(arr), new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });

  it("a truncated schema file names the file", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const file = onlyFile(xSchemaDir(arr));
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.byteLength - 20));
    await expectTileDBError(openArray(arr), /__schema/, /truncated/);
    // A schema payload cut short inside the generic tile is caught too.
    const payload = decodeGenericTile(bytes, file);
    for (const cut of [3, 20, 60, payload.byteLength - 1]) {
      const short = encodeGenericTile(payload.subarray(0, cut));
      expect(() => decodeArraySchema(short, file)).toThrow(TileDBError);
      expect(() => decodeArraySchema(short, file)).toThrow(file);
    }
  });

  it("a newer schema format version is refused with the version in the message", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const file = onlyFile(xSchemaDir(arr));
    const payload = decodeGenericTile(await readFile(file), file).slice();
    new DataView(payload.buffer).setUint32(0, 99, true);
    await writeFile(file, encodeGenericTile(payload));
    await expectTileDBError(openArray(arr), /format version 99/, /__schema/);
  });

  it("a newer fragment format version is refused with the version and file in the message", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const fragDir = join(arr, "__fragments");
    const frag = join(fragDir, readdirSync(fragDir)[0]);
    const file = join(frag, FRAGMENT_METADATA_FILE);
    const bytes = new Uint8Array(await readFile(file));
    const footerSize = Number(new DataView(bytes.buffer).getBigUint64(bytes.byteLength - 8, true));
    new DataView(bytes.buffer).setUint32(bytes.byteLength - 8 - footerSize, 31, true);
    await writeFile(file, bytes);
    await expectTileDBError(openArray(arr), /fragment format version 31/, /__fragment_metadata\.tdb/);
  });

  it("truncated or garbage fragment metadata names the file", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const fragDir = join(arr, "__fragments");
    const file = join(fragDir, readdirSync(fragDir)[0], FRAGMENT_METADATA_FILE);
    const bytes = new Uint8Array(await readFile(file));
    await writeFile(file, bytes.subarray(0, 100));
    await expectTileDBError(openArray(arr), /__fragment_metadata\.tdb/);
    await writeFile(file, new Uint8Array(bytes.byteLength).fill(0x5a));
    await expectTileDBError(openArray(arr), /__fragment_metadata\.tdb/);
    // Footer intact but a section damaged: opening works, loading that section fails naming the file.
    const damaged = bytes.slice();
    damaged.fill(0xee, 40, 120);
    await writeFile(file, damaged);
    const a = await openArray(arr);
    await expectTileDBError(a.fragments[0].metadata(), /__fragment_metadata\.tdb/);
    const schemas = new Map([[a.schema.fileName, a.schema]]);
    expect(() => decodeFragmentMetadata(damaged, (n) => schemas.get(n), file)).toThrow(/__fragment_metadata\.tdb/);
  });

  it("a missing fragment metadata file or schema folder is reported clearly", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const fragDir = join(arr, "__fragments");
    await rm(join(fragDir, readdirSync(fragDir)[0], FRAGMENT_METADATA_FILE));
    await expectTileDBError(openArray(arr), /fragment metadata file .* is missing/);
    await rm(join(arr, "__schema"), { recursive: true });
    await expectTileDBError(openArray(arr), /is not a TileDB array/);
    await expectTileDBError(openArray(join(arr, "does-not-exist")), /does not exist/);
  });

  it("the legacy __array_schema.tdb is read as the oldest schema", async () => {
    const arr = await copyFixture("ms/RNA/X/raw");
    const file = onlyFile(xSchemaDir(arr));
    const schema = decodeArraySchema(await readFile(file), file);
    // An older-format copy of the same schema in the legacy location.
    await writeFile(join(arr, "__array_schema.tdb"), encodeArraySchema(schema, 12));
    const a = await openArray(arr);
    expect(a.directory.schemas.map((s) => s.name)[0]).toBe("__array_schema.tdb");
    expect(a.schemas.get("__array_schema.tdb")!.version).toBe(12);
    expect(a.schema.fileName).toBe(schema.fileName);
    // Opening before the current schema existed falls back to the oldest (the legacy one).
    const early = await openArray(arr, { timestamp: 1707330780000 });
    expect(early.schema.fileName).toBe("__array_schema.tdb");
    expect(early.fragments).toHaveLength(0);
  });

  it("decodes schema payloads of older format versions written by the encoder", () => {
    const bytes = encodeArraySchemaPayload(decodeArraySchemaPayload(minimalSchema(), "s"), 17);
    const s = decodeArraySchemaPayload(bytes, "s17");
    expect(s.version).toBe(17);
    expect(s.attributes[0].enumerationName).toBeUndefined();
    expect(s.currentDomain).toBeUndefined();
  });
});

/** A one-dimension, one-attribute sparse schema payload at format 22. */
function minimalSchema(): Uint8Array {
  return encodeArraySchemaPayload({
    version: 22,
    arrayType: "sparse",
    allowsDuplicates: false,
    tileOrder: "row-major",
    cellOrder: "row-major",
    capacity: 10n,
    coordsFilters: { maxChunkSize: 65536, filters: [] },
    offsetsFilters: { maxChunkSize: 65536, filters: [] },
    validityFilters: { maxChunkSize: 65536, filters: [] },
    dimensions: [{ name: "d", type: 1, cellValNum: 1, filters: { maxChunkSize: 65536, filters: [] }, domain: [0n, 9n], tileExtent: 5n }],
    attributes: [
      {
        name: "a",
        type: 2,
        cellValNum: 1,
        filters: { maxChunkSize: 65536, filters: [] },
        fillValue: new Uint8Array(4),
        nullable: false,
        fillValueValidity: false,
        order: "unordered",
      },
    ],
    enumerations: new Map(),
    fileName: "x",
  });
}

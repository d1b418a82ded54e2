import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { TileDBError } from "../../src/errors.js";
import { FilterType } from "../../src/filters/filter.js";
import {
  decodeGenericTile,
  decodeGenericTileAt,
  decodeGenericTileHeader,
  encodeGenericTile,
  GENERIC_TILE_BASE_SIZE,
  readGenericTile,
} from "../../src/generic-tile.js";
import { LocalVFS } from "../../src/vfs/index.js";
import { fixtureRoot, tempDir } from "./helpers.js";

const schemaFile = join(fixtureRoot, "obs/__schema/__1707330799825_1707330799825_29905154d5444bec9e5d048083a428de");

describe("generic tile", () => {
  it("decodes a schema file written by TileDB (gzip level 1 pipeline, char cells)", () => {
    const bytes = readFileSync(schemaFile);
    const { header, dataOffset } = decodeGenericTileHeader(bytes, schemaFile);
    expect(header.version).toBe(20);
    expect(header.datatype).toBe(Datatype.CHAR);
    expect(header.cellSize).toBe(1);
    expect(header.filters.filters.map((f) => f.type)).toEqual([FilterType.GZIP]);
    expect(dataOffset + header.persistedSize).toBe(bytes.byteLength);
    expect(decodeGenericTile(bytes, schemaFile).byteLength).toBe(header.tileSize);
  });

  it("round-trips through encode with the default and an empty pipeline", () => {
    const payload = new Uint8Array(200_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
    for (const filters of [undefined, { maxChunkSize: 65536, filters: [] }]) {
      const tile = encodeGenericTile(payload, filters ? { filters } : {});
      expect(Buffer.compare(decodeGenericTile(tile), payload)).toBe(0);
      const two = new Uint8Array(tile.byteLength * 2);
      two.set(tile);
      two.set(tile, tile.byteLength);
      const first = decodeGenericTileAt(two, 0);
      expect(first.end).toBe(tile.byteLength);
      expect(Buffer.compare(decodeGenericTileAt(two, first.end).data, payload)).toBe(0);
    }
  });

  it("reads one tile of a file by offset", async () => {
    const dir = tempDir("tiledb-ts-gt-").path;
    const a = encodeGenericTile(new Uint8Array([1, 2, 3]));
    const b = encodeGenericTile(new Uint8Array([4, 5]), { filters: { maxChunkSize: 65536, filters: [{ type: FilterType.ZSTD, options: { level: 3 } }] } });
    const file = new Uint8Array(a.byteLength + b.byteLength);
    file.set(a);
    file.set(b, a.byteLength);
    const vfs = new LocalVFS();
    await vfs.write(join(dir, "f"), file);
    const t = await readGenericTile(vfs, join(dir, "f"), a.byteLength);
    expect(t.data).toEqual(new Uint8Array([4, 5]));
    expect(t.end).toBe(file.byteLength);
  });

  it("names the file when the tile is truncated, garbage or encrypted", async () => {
    const bytes = readFileSync(schemaFile);
    expect(() => decodeGenericTile(bytes.subarray(0, 20), "x/schema")).toThrow(/x\/schema: invalid generic tile/);
    expect(() => decodeGenericTile(bytes.subarray(0, bytes.byteLength - 5), "x/schema")).toThrow(/truncated/);
    const garbage = new Uint8Array(bytes.byteLength).fill(0xab);
    expect(() => decodeGenericTile(garbage, "x/garbage")).toThrow(TileDBError);
    expect(() => decodeGenericTile(garbage, "x/garbage")).toThrow(/x\/garbage/);
    const flipped = bytes.slice();
    flipped[GENERIC_TILE_BASE_SIZE + 30] ^= 0xff;
    expect(() => decodeGenericTile(flipped, "x/flipped")).toThrow(/x\/flipped/);
    const enc = bytes.slice();
    enc[29] = 1;
    expect(() => decodeGenericTile(enc, "x/enc")).toThrow(/encrypted/);
    const dir = tempDir("tiledb-ts-gt-").path;
    const vfs = new LocalVFS();
    await vfs.write(join(dir, "short"), bytes.subarray(0, 40));
    await expect(readGenericTile(vfs, join(dir, "short"))).rejects.toThrow(/short.*truncated/);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TileDBError } from "../../src/errors.js";
import { joinUri, LocalVFS, uriBaseName, vfsFor } from "../../src/vfs/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tiledb-ts-vfs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("LocalVFS", () => {
  const vfs = new LocalVFS();

  it("writes, lists sorted, reads ranges, renames and removes", async () => {
    const a = join(dir, "sub", "b.bin");
    await vfs.write(a, new Uint8Array([1, 2, 3, 4, 5]));
    await vfs.write(join(dir, "sub", "a.bin"), new Uint8Array([9]));
    await vfs.mkdir(join(dir, "sub", "c"));
    const entries = await vfs.ls(join(dir, "sub"));
    expect(entries.map((e) => [e.name, e.isDir, e.size])).toEqual([
      ["a.bin", false, 1],
      ["b.bin", false, 5],
      ["c", true, 0],
    ]);
    expect(entries[1].uri).toBe(a);
    expect(await vfs.read(a)).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(await vfs.read(a, 1, 3)).toEqual(new Uint8Array([2, 3, 4]));
    expect(await vfs.size(a)).toBe(5);
    expect(await vfs.isDir(join(dir, "sub", "c"))).toBe(true);
    await vfs.rename(a, join(dir, "moved", "b.bin"));
    expect(await vfs.exists(a)).toBe(false);
    expect(await vfs.exists(join(dir, "moved", "b.bin"))).toBe(true);
    await vfs.remove(join(dir, "moved"));
    expect(await vfs.exists(join(dir, "moved"))).toBe(false);
    await vfs.remove(join(dir, "never-there"));
  });

  it("writes a file from parts in order (views into larger buffers, empty parts, more parts than one system call takes)", async () => {
    const big = new Uint8Array(3000).map((_, i) => i % 251);
    const parts = [big.subarray(10, 20), new Uint8Array(0), big.subarray(0, 3000), ...Array.from({ length: 2000 }, (_, i) => Uint8Array.of(i & 255))];
    const uri = join(dir, "parts", "p.bin");
    await vfs.write(uri, parts);
    expect(await vfs.read(uri)).toEqual(new Uint8Array(Buffer.concat(parts)));
    await vfs.write(uri, [Uint8Array.of(7)]); // replaces, not appends
    expect([...(await vfs.read(uri))]).toEqual([7]);
  });

  it("concatenates files into one, consuming them", async () => {
    const parts = [new Uint8Array(20_000_000).fill(3), Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(9)];
    const uris = parts.map((_, i) => join(dir, "cat", `p${i}`));
    for (const [i, p] of parts.entries()) await vfs.write(uris[i], p);
    const to = join(dir, "cat", "out", "joined.bin");
    await vfs.concat(uris, to);
    expect(Buffer.from(await vfs.read(to)).equals(Buffer.concat(parts))).toBe(true);
    for (const u of uris) expect(await vfs.exists(u)).toBe(false);
    await expect(vfs.concat([join(dir, "cat", "nope")], to)).rejects.toThrow(/concat into .*joined\.bin: .*nope/);
  });

  it("accepts file:// URIs and keeps their style in listings", async () => {
    const base = pathToFileURL(join(dir, "f")).href;
    await vfsFor(base).write(`${base}/x.bin`, new Uint8Array([7]));
    const entries = await vfsFor(base).ls(base);
    expect(entries.map((e) => e.uri)).toEqual([`${base}/x.bin`]);
    expect(await vfsFor(base).read(`${base}/x.bin`)).toEqual(new Uint8Array([7]));
  });

  it("lists a missing folder as empty and names the file on a failed read", async () => {
    expect(await vfs.ls(join(dir, "nope"))).toEqual([]);
    const missing = join(dir, "nope", "file.tdb");
    await expect(vfs.read(missing)).rejects.toThrow(missing);
    await vfs.write(join(dir, "short"), new Uint8Array(4));
    await expect(vfs.read(join(dir, "short"), 2, 10)).rejects.toThrow(/too short/);
  });

  it("rejects schemes without a backend", () => {
    expect(() => vfsFor("s3://bucket/key")).toThrow(TileDBError);
    expect(() => vfsFor("s3://bucket/key")).toThrow(/s3:\/\//);
  });

  it("joins and splits URIs", () => {
    expect(joinUri("s3://b/arr/", "__schema", "x")).toBe("s3://b/arr/__schema/x");
    expect(uriBaseName("file:///a/b/c/")).toBe("c");
  });
});

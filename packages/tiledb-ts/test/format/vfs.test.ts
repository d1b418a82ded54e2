import { existsSync } from "node:fs";
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

  it("creates a file exclusively: one of many racing callers wins, an existing file or folder is left alone", async () => {
    const uri = join(dir, "excl", "deep", "lock.json");
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => vfs.writeExclusive(uri, Uint8Array.of(i))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect([...(await vfs.read(uri))]).toEqual([winner]);
    expect(await vfs.writeExclusive(uri, Uint8Array.of(99))).toBe(false);
    expect([...(await vfs.read(uri))]).toEqual([winner]);
    expect(await vfs.writeExclusive(join(dir, "excl", "deep"), Uint8Array.of(1))).toBe(false);
    expect(await vfs.isDir(join(dir, "excl", "deep"))).toBe(true);
    const fileUri = pathToFileURL(join(dir, "excl", "f.bin")).href;
    expect(await vfs.writeExclusive(fileUri, new Uint8Array(0))).toBe(true);
    expect(await vfs.size(fileUri)).toBe(0);
  });

  it("bypasses the page cache when uncached: unaligned parts, offsets and lengths, appends onto a partial block", async () => {
    const direct = vfs.uncached();
    expect(direct.uncached?.()).toBe(direct);
    const bytes = new Uint8Array(9 * 2 ** 20 + 4097).map((_, i) => (i * 7 + (i >> 12)) & 255); // over one 8 MiB bounce buffer
    const parts = [bytes.subarray(0, 3), bytes.subarray(3, 5000), new Uint8Array(0), bytes.subarray(5000)];
    const uri = join(dir, "direct", "d.bin");
    await direct.write(uri, parts);
    expect(await vfs.size(uri)).toBe(bytes.byteLength);
    expect(Buffer.from(await vfs.read(uri)).equals(Buffer.from(bytes))).toBe(true);
    for (const [offset, length] of [[0, 1], [4095, 2], [4096, 4096], [12345, 8 * 2 ** 20 + 3], [bytes.byteLength - 5, 5]]) {
      expect(Buffer.from(await direct.read(uri, offset, length)).equals(Buffer.from(bytes.subarray(offset, offset + length)))).toBe(true);
    }
    const into = new Uint8Array(100);
    const view = await direct.read(uri, 7, 50, into);
    expect(view.buffer).toBe(into.buffer);
    expect([...view]).toEqual([...bytes.subarray(7, 57)]);
    expect(Buffer.from(await direct.read(uri)).equals(Buffer.from(bytes))).toBe(true);
    await expect(direct.read(uri, bytes.byteLength - 2, 10)).rejects.toThrow(/d\.bin: file too short/);
    await expect(direct.read(join(dir, "direct", "missing.bin"))).rejects.toThrow(/missing\.bin/);
    // appends: onto a file ending mid-block, then onto one ending on a block
    const a = join(dir, "direct", "a.bin");
    const b = join(dir, "direct", "b.bin");
    const c = join(dir, "direct", "c.bin");
    await direct.write(a, [bytes.subarray(0, 5000)]);
    await direct.write(b, [bytes.subarray(5000, 8192)]);
    await direct.write(c, [bytes.subarray(8192)]);
    const joined = join(dir, "direct", "joined.bin");
    await direct.concat([a, b, c], joined);
    expect(Buffer.from(await vfs.read(joined)).equals(Buffer.from(bytes))).toBe(true);
    for (const u of [a, b, c]) expect(await vfs.exists(u)).toBe(false);
    await direct.write(uri, [Uint8Array.of(1, 2)]); // replaces, not appends
    expect([...(await vfs.read(uri))]).toEqual([1, 2]);
  });

  it.runIf(existsSync("/dev/shm"))("falls back to cached I/O where the filesystem refuses direct I/O (tmpfs)", async () => {
    const shm = await mkdtemp("/dev/shm/tiledb-ts-vfs-");
    try {
      const direct = vfs.uncached();
      const [a, b] = [join(shm, "a.bin"), join(shm, "b.bin")];
      await direct.write(a, [Uint8Array.of(1, 2, 3)]);
      await direct.write(b, Uint8Array.of(4));
      expect([...(await direct.read(a, 1, 2))]).toEqual([2, 3]);
      await direct.concat([a, b], join(shm, "j.bin"));
      expect([...(await direct.read(join(shm, "j.bin")))]).toEqual([1, 2, 3, 4]);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
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
    expect(() => vfsFor("gs://bucket/key")).toThrow(TileDBError);
    expect(() => vfsFor("gs://bucket/key")).toThrow(/gs:\/\//);
  });

  it("joins and splits URIs", () => {
    expect(joinUri("s3://b/arr/", "__schema", "x")).toBe("s3://b/arr/__schema/x");
    expect(uriBaseName("file:///a/b/c/")).toBe("c");
  });
});

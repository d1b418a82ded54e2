/**
 * Corrupt input: damaged tiles, missing files and garbage schemas give a TileDBError naming the file,
 * never a hang or made-up values. Works on a copy of the Census fixture's X array.
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TileDBError } from "../../src/errors.js";
import { readAll } from "../../src/read/index.js";
import { fixtureRoot, tempDir } from "./helpers.js";

function copyX(): { uri: string; frag: string } {
  const uri = join(tempDir("tiledb-ts-corrupt-").path, "raw");
  cpSync(join(fixtureRoot, "ms/RNA/X/raw"), uri, { recursive: true });
  const frags = readdirSync(join(uri, "__fragments"));
  return { uri, frag: join(uri, "__fragments", frags[0]) };
}

async function failure(p: Promise<unknown>): Promise<TileDBError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TileDBError);
    return err as TileDBError;
  }
  throw new Error("read succeeded on corrupt input");
}

describe("corrupt input", () => {
  it("a truncated data file names the file", async () => {
    const { uri, frag } = copyX();
    const file = join(frag, "a0.tdb");
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const err = await failure(readAll(uri));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/truncated|tile/);
  });

  it("a flipped byte inside a compressed tile is an error naming the file, not garbage", async () => {
    const { uri, frag } = copyX();
    const file = join(frag, "a0.tdb");
    const bytes = readFileSync(file);
    // past the chunk header (8-byte chunk count + 12-byte chunk header + filter metadata): inside zstd's frame
    for (const at of [40, 41, 42, 43]) bytes[at] ^= 0xff;
    writeFileSync(file, bytes);
    const err = await failure(readAll(uri));
    expect(err.message).toContain(file);
  });

  it("a flipped chunk length names the file", async () => {
    const { uri, frag } = copyX();
    const file = join(frag, "d0.tdb");
    const bytes = readFileSync(file);
    bytes[8] ^= 0x40; // original length of the first chunk
    writeFileSync(file, bytes);
    const err = await failure(readAll(uri));
    expect(err.message).toContain(file);
  });

  it("a missing data file names the file", async () => {
    const { uri, frag } = copyX();
    const file = join(frag, "d1.tdb");
    rmSync(file);
    const err = await failure(readAll(uri));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/missing/);
  });

  it("a missing fragment metadata file names the file", async () => {
    const { uri, frag } = copyX();
    rmSync(join(frag, "__fragment_metadata.tdb"));
    const err = await failure(readAll(uri));
    expect(err.message).toContain("__fragment_metadata.tdb");
  });

  it("a garbage schema names the schema file", async () => {
    const { uri } = copyX();
    const dir = join(uri, "__schema");
    const name = readdirSync(dir).find((n) => n.startsWith("__") && !n.includes("enumerations")) as string;
    writeFileSync(join(dir, name), Buffer.from("this is not a TileDB schema, just some text bytes"));
    const err = await failure(readAll(uri));
    expect(err.message).toContain(name);
  });
});

/**
 * A fragment built in pieces by separate processes (each piece a run of whole tiles, see
 * `concatFragmentContents`): a piece is stored as its data files and a small description, and the pieces'
 * files become the fragment's by moving the first and appending the others. No piece is read back into
 * memory whole, and no tile is re-encoded.
 */
import { deserialize, serialize } from "node:v8";
import { TileDBError } from "../errors.js";
import type { ArraySchema } from "../schema.js";
import { joinUri } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import { concatFragmentContents, type FieldFiles, type FragmentContent } from "./fragment-builder.js";
import { type CommitOptions, type CommittedFragment, commitFragment } from "./fragment-writer.js";

const DESCRIPTION = "piece.bin";

function pieceFiles(uri: string, index: number): { fixed: string; var: string; validity: string } {
  return { fixed: joinUri(uri, `${index}.fixed`), var: joinUri(uri, `${index}.var`), validity: joinUri(uri, `${index}.validity`) };
}

/** Stores a piece (from GlobalOrderWriter.content) in the folder `uri`: its data files, then its description. */
export async function storeFragmentPiece(uri: string, content: FragmentContent, vfs: VFS): Promise<void> {
  await Promise.all(
    content.fields.map(async (f, i) => {
      const files = pieceFiles(uri, i);
      await vfs.write(files.fixed, f.fixedParts);
      if (f.isVar) await vfs.write(files.var, f.varParts);
      if (f.nullable) await vfs.write(files.validity, f.validityParts);
    }),
  );
  const bare: FragmentContent = { ...content, fields: content.fields.map((f) => ({ ...f, fixedParts: [], varParts: [], validityParts: [] })) };
  await vfs.write(joinUri(uri, DESCRIPTION), serialize(bare));
}

/** Checks that a stored data file has the size its piece's description records. */
async function expectSize(vfs: VFS, uri: string, size: number): Promise<void> {
  const actual = (await vfs.exists(uri)) ? await vfs.size(uri) : -1;
  if (actual !== size) throw new TileDBError("E_CORRUPT", `fragment piece file ${uri}: ${actual < 0 ? "missing" : `${actual} bytes`}, its description says ${size}`);
}

/**
 * Joins stored pieces (in order) into one fragment of the array and commits it. The pieces' folders are left
 * empty but for their descriptions (the caller removes them).
 */
export async function commitFragmentPieces(arrayUri: string, schema: ArraySchema, pieceUris: readonly string[], options: CommitOptions): Promise<CommittedFragment> {
  const { vfs } = options;
  const pieces: Array<{ uri: string; content: FragmentContent }> = [];
  for (const uri of pieceUris) {
    let content: FragmentContent;
    try {
      content = deserialize(await vfs.read(joinUri(uri, DESCRIPTION))) as FragmentContent;
    } catch (e) {
      throw new TileDBError("E_CORRUPT", `fragment piece ${uri}: unreadable description (${(e as Error).message})`, { cause: e });
    }
    if (content.cellCount > 0) pieces.push({ uri, content });
  }
  for (const { uri, content } of pieces) {
    for (const [i, f] of content.fields.entries()) {
      const files = pieceFiles(uri, i);
      await expectSize(vfs, files.fixed, f.fileSize);
      if (f.isVar) await expectSize(vfs, files.var, f.varFileSize);
      if (f.nullable) await expectSize(vfs, files.validity, f.validityFileSize);
    }
  }
  const joined = concatFragmentContents(
    pieces.map((p) => p.content),
    Number(schema.capacity),
    `write to ${arrayUri}`,
  );
  const moveField = async (f: FieldFiles, i: number, names: { fixed: string; var: string; validity: string }, dir: string) => {
    const from = pieces.map((p) => pieceFiles(p.uri, i));
    await vfs.concat(from.map((x) => x.fixed), joinUri(dir, names.fixed));
    if (f.isVar) await vfs.concat(from.map((x) => x.var), joinUri(dir, names.var));
    if (f.nullable) await vfs.concat(from.map((x) => x.validity), joinUri(dir, names.validity));
  };
  return commitFragment(arrayUri, schema, joined, options, moveField);
}

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
import { concatFragmentContents, type DataFileKind, type FragmentContent, fieldDataFiles } from "./fragment-builder.js";
import { type CommitOptions, type CommittedFragment, commitFragment, type FieldFileWriter, writeFieldParts } from "./fragment-writer.js";

const DESCRIPTION = "piece.bin";

/** A piece's data file names for field `index`, inside the piece's folder. */
function pieceFileNames(index: number): Record<DataFileKind, string> {
  return { fixed: `${index}.fixed`, var: `${index}.var`, validity: `${index}.validity` };
}

/** Stores a piece (from GlobalOrderWriter.content) in the folder `uri`: its data files, then its description. */
export async function storeFragmentPiece(uri: string, content: FragmentContent, vfs: VFS): Promise<void> {
  const write = writeFieldParts(vfs);
  await Promise.all(content.fields.map((f, i) => write(f, i, pieceFileNames(i), uri)));
  const bare: FragmentContent = { ...content, fields: content.fields.map((f) => ({ ...f, fixedParts: [], varParts: [], validityParts: [] })) };
  await vfs.write(joinUri(uri, DESCRIPTION), serialize(bare));
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
  // every stored file must have the size its piece's description records
  for (const { uri, content } of pieces) {
    for (const [i, f] of content.fields.entries()) {
      for (const file of fieldDataFiles(f)) {
        const path = joinUri(uri, pieceFileNames(i)[file.kind]);
        const actual = (await vfs.exists(path)) ? await vfs.size(path) : -1;
        if (actual !== file.size) throw new TileDBError("E_CORRUPT", `fragment piece file ${path}: ${actual < 0 ? "missing" : `${actual} bytes`}, its description says ${file.size}`);
      }
    }
  }
  const joined = concatFragmentContents(
    pieces.map((p) => p.content),
    Number(schema.capacity),
    `write to ${arrayUri}`,
  );
  const moveField: FieldFileWriter = async (f, i, names, dir) => {
    for (const { kind } of fieldDataFiles(f)) {
      await vfs.concat(
        pieces.map((p) => joinUri(p.uri, pieceFileNames(i)[kind])),
        joinUri(dir, names[kind]),
      );
    }
  };
  return commitFragment(arrayUri, schema, joined, options, moveField);
}

/**
 * Opening an array: list its folder, load the schema(s), and the footer of every visible fragment
 * (from consolidated fragment metadata when available, else from each fragment's own file).
 * The rest of each fragment's metadata loads lazily, section by section.
 */
import { ByteReader, ByteWriter } from "./binary.js";
import { listArrayDirectory, type ArrayDirectory, type FragmentEntry, toTimestampRange, type TimestampRange } from "./array-directory.js";
import { readArraySchemaFile } from "./array-schema.js";
import { TileDBError } from "./errors.js";
import {
  decodeFragmentFooter,
  encodeFragmentFooter,
  type FragmentFooter,
  type FragmentMetadata,
  FragmentMetadataSections,
  readFragmentFooter,
} from "./fragment-metadata.js";
import { decodeGenericTile, encodeGenericTile } from "./generic-tile.js";
import type { ArraySchema } from "./schema.js";
import { vfsFor } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";

export interface FragmentInfo {
  uri: string;
  name: string;
  /** Timestamp range [t1, t2] in ms (equal unless the fragment is consolidated). */
  t1: number;
  t2: number;
  /** Format version the fragment was written with. */
  version: number;
  /** The schema this fragment was written with (may be older than the array's latest). */
  schema: ArraySchema;
  footer: FragmentFooter;
  /** True when the fragment only partly overlaps the open timestamp range (consolidated with timestamps). */
  partialOverlap: boolean;
  /** On-demand access to single metadata sections (R-tree, one field's tile offsets, …). */
  sections: FragmentMetadataSections;
  /** All metadata sections, loaded on first call and cached. */
  metadata(): Promise<FragmentMetadata>;
}

export interface OpenArrayOptions {
  /** Open at this time (ms; fragments written up to then) or over [start, end]. */
  timestamp?: number | [number, number] | TimestampRange;
  vfs?: VFS;
}

export interface TileDBArray {
  uri: string;
  /** The schema in effect at the open time (see ArrayDirectory.latestSchema). */
  schema: ArraySchema;
  /** Every schema of the array by file name (fragments may use older ones). */
  schemas: Map<string, ArraySchema>;
  /** Visible fragments, oldest first (later fragments win for duplicate-free arrays). */
  fragments: FragmentInfo[];
  timestamp: TimestampRange;
  directory: ArrayDirectory;
  vfs: VFS;
}

// ---- consolidated fragment metadata (`__fragment_meta/<name>.meta`) ----

export interface ConsolidatedFooter {
  /** Fragment name (pre-v9 files store the full URI; we keep its last part). */
  name: string;
  /** Offset of the footer within the decoded payload. */
  offset: number;
}

/** The fragment names and footer offsets of a consolidated fragment metadata payload. */
export function decodeConsolidatedFragmentMetaIndex(payload: Uint8Array, what: string): ConsolidatedFooter[] {
  const r = new ByteReader(payload, what);
  try {
    const n = r.u32();
    if (n > r.remaining) throw new TileDBError("E_CORRUPT", `${what}: implausible fragment count ${n}`);
    const out: ConsolidatedFooter[] = [];
    for (let i = 0; i < n; i++) {
      const full = r.string(r.u64n());
      const offset = r.u64n();
      if (offset >= payload.byteLength) throw new TileDBError("E_CORRUPT", `${what}: footer offset ${offset} of "${full}" is past the end`);
      out.push({ name: full.replace(/\/+$/, "").slice(full.replace(/\/+$/, "").lastIndexOf("/") + 1), offset });
    }
    return out;
  } catch (err) {
    if (err instanceof RangeError) throw new TileDBError("E_CORRUPT", `${what}: invalid consolidated fragment metadata: ${err.message}`);
    throw err;
  }
}

/** Encodes a consolidated fragment metadata file (generic tile) from fragment names and their footers. */
export function encodeConsolidatedFragmentMeta(
  entries: Array<{ name: string; footer: FragmentFooter; schema: ArraySchema }>,
  version?: number,
): Uint8Array {
  const enc = new TextEncoder();
  const footers = entries.map((e) => encodeFragmentFooter(e.footer, e.schema));
  let offset = 4;
  for (const e of entries) offset += 8 + enc.encode(e.name).byteLength + 8;
  const w = new ByteWriter(offset + footers.reduce((n, f) => n + f.byteLength, 0));
  w.u32(entries.length);
  entries.forEach((e, i) => {
    const name = enc.encode(e.name);
    w.u64(name.byteLength).bytes(name).u64(offset);
    offset += footers[i].byteLength;
  });
  for (const f of footers) w.bytes(f);
  return encodeGenericTile(w.finish(), version === undefined ? {} : { version });
}

async function footersFromConsolidated(
  dir: ArrayDirectory,
  schemaFor: (name: string) => ArraySchema | undefined,
  vfs: VFS,
): Promise<Map<string, { footer: FragmentFooter; schema: ArraySchema }>> {
  const out = new Map<string, { footer: FragmentFooter; schema: ArraySchema }>();
  const wanted = new Set(dir.fragments.map((f) => f.name));
  for (const m of dir.fragmentMetaFiles) {
    const payload = decodeGenericTile(await vfs.read(m.uri), m.uri);
    for (const { name, offset } of decodeConsolidatedFragmentMetaIndex(payload, m.uri)) {
      if (!wanted.has(name)) continue;
      // A later consolidated file (they are sorted oldest first) replaces an earlier footer.
      out.set(name, decodeFragmentFooter(payload, offset, schemaFor, `${m.uri} (footer of ${name})`));
    }
  }
  return out;
}

/** Opens an array: schema, visible fragments and their footers. */
export async function openArray(uri: string, options: OpenArrayOptions = {}): Promise<TileDBArray> {
  const vfs = options.vfs ?? vfsFor(uri);
  const timestamp = toTimestampRange(options.timestamp);
  if (!(timestamp.start <= timestamp.end)) {
    throw new TileDBError("E_INVALID_ARGUMENT", `open ${uri}: timestamp range [${timestamp.start}, ${timestamp.end}] is empty`);
  }
  let dir = await listArrayDirectory(uri, vfs, timestamp);
  const schemas = new Map<string, ArraySchema>();
  await Promise.all(
    dir.schemas.map(async (s) => {
      schemas.set(s.name, await readArraySchemaFile(s.uri, vfs));
    }),
  );
  const latest = schemas.get(dir.latestSchema.name)!;
  // Vacuum-file visibility depends on the array type, known only once a schema is read.
  if (latest.arrayType === "dense") dir = await listArrayDirectory(uri, vfs, timestamp, { dense: true });
  const schemaFor = (name: string) => schemas.get(name);

  const consolidated = await footersFromConsolidated(dir, schemaFor, vfs);
  const fragments = await Promise.all(
    dir.fragments.map(async (f: FragmentEntry): Promise<FragmentInfo> => {
      const loaded = consolidated.get(f.name) ?? (await readFragmentFooter(f.uri, schemaFor, vfs, f.version));
      const sections = new FragmentMetadataSections(f.uri, loaded.footer, loaded.schema, vfs, (loaded as { file?: Uint8Array }).file);
      return {
        uri: f.uri,
        name: f.name,
        t1: f.t1,
        t2: f.t2,
        version: loaded.footer.version,
        schema: loaded.schema,
        footer: loaded.footer,
        partialOverlap: f.partialOverlap,
        sections,
        metadata: () => sections.all(),
      };
    }),
  );
  return { uri, schema: latest, schemas, fragments, timestamp, directory: dir, vfs };
}

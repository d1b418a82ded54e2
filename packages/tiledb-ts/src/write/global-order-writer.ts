/**
 * One sparse fragment written from chunks of cells already in global order, so a fragment far larger than
 * memory can be written: each chunk is checked (order, and against the previous chunk's last cell), cut into
 * full data tiles that are filtered at once, and only the encoded tiles are kept until `close` commits.
 * TileDB's own equivalent is a global-order write query submitted several times, then finalized.
 */
import { TileDBError } from "../errors.js";
import type { ArraySchema } from "../schema.js";
import { vfsFor } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import type { CodeDictionary, Column } from "./columns.js";
import type { FragmentContent } from "./fragment-builder.js";
import { type CommittedFragment, commitFragment } from "./fragment-writer.js";
import { buildDimKeys, checkGlobalOrder, identityPermutation } from "./global-order.js";
import { loadWriteSchema, nextFragmentTimestamp } from "./schema-loader.js";
import { asTyped, type Cells, mergeBatches, SparseTiler, sparseColumns, type WriteOptions } from "./sparse.js";

export class GlobalOrderWriter {
  private readonly tiler: SparseTiler;
  /** The cells after the last full tile (at least one, so the next chunk's order is checked against it). */
  private pending: Cells | null = null;
  private pendingCount = 0;
  private closed = false;
  private readonly what: string;
  /** 0, 1, 2, ...: appended cells are tiled in the order given (kept, as chunks are large and many). */
  private identity: Uint32Array = new Uint32Array(0);

  private constructor(
    readonly arrayUri: string,
    private readonly schema: ArraySchema,
    private readonly vfs: VFS,
    private readonly options: WriteOptions,
  ) {
    if (schema.arrayType !== "sparse") throw new TileDBError("E_WRITE_INPUT", `write to ${arrayUri}: the array is dense; use writeDense`);
    this.what = `global-order write to ${arrayUri}`;
    this.tiler = new SparseTiler(schema, this.what);
  }

  /** Cells per data tile: pieces joined with concatFragmentContents must end on a multiple of it. */
  get capacity(): number {
    return this.tiler.capacity;
  }

  static async open(arrayUri: string, options: WriteOptions = {}): Promise<GlobalOrderWriter> {
    const vfs = options.vfs ?? vfsFor(arrayUri);
    return new GlobalOrderWriter(arrayUri, options.schema ?? (await loadWriteSchema(arrayUri, vfs)), vfs, options);
  }

  /** Adds cells that sort at or after every cell added before (checked; nothing is written until close). */
  append(cells: Cells): void {
    if (this.closed) throw new TileDBError("E_WRITE_INPUT", `${this.what}: the writer is closed`);
    const { dims, attrs, n } = sparseColumns(this.schema, cells);
    if (n === 0) return;
    const cols = [...dims, ...attrs];
    const keys = buildDimKeys(this.schema, dims);
    checkGlobalOrder(this.schema, keys, n, this.what);
    const cap = this.tiler.capacity;
    let from = 0;
    if (this.pending) {
      // the previous chunk's last cell against this chunk's first
      const p = sparseColumns(this.schema, this.pending);
      this.tileIdentity(mergeBatches(this.schema, [tailCells([...p.dims, ...p.attrs], p.n - 1, p.n), tailCells(cols, 0, 1)]), false);
      // top the pending cells up to a full tile from the head of this chunk (a copy of at most one tile)
      const take = Math.min(n, cap - this.pendingCount);
      const head = mergeBatches(this.schema, [this.pending, tailCells(cols, 0, take)]);
      if (this.pendingCount + take === cap && take < n) {
        this.tileIdentity(head, true);
        this.pending = null;
        this.pendingCount = 0;
      } else {
        this.pending = head;
        this.pendingCount += take;
      }
      from = take;
    }
    if (from < n) {
      // full tiles straight from the chunk's columns; at least one cell stays pending for the next check
      const rest = n - from;
      const full = rest - (((rest - 1) % cap) + 1);
      if (this.identity.length < n) this.identity = identityPermutation(n);
      this.tiler.add(dims, attrs, keys, this.identity, from, from + full);
      this.pending = tailCells(cols, from + full, n);
      this.pendingCount = n - from - full;
    }
  }

  /** Checks cells in order and, when `tile`, adds them as tiles (in the order given). */
  private tileIdentity(cells: Cells, tile: boolean): void {
    const { dims, attrs, n } = sparseColumns(this.schema, cells);
    const keys = buildDimKeys(this.schema, dims);
    checkGlobalOrder(this.schema, keys, n, this.what);
    if (!tile) return;
    this.tiler.add(dims, attrs, keys, identityPermutation(n), 0, n);
  }

  /** Tiles the rest and commits the fragment (visible only now). */
  async close(): Promise<CommittedFragment> {
    const content = this.content();
    const timestamp = this.options.timestamp ?? (await nextFragmentTimestamp(this.arrayUri, this.vfs));
    return commitFragment(this.arrayUri, this.schema, content, { vfs: this.vfs, timestamp });
  }

  /**
   * Tiles the rest and returns the fragment's content without committing it: a piece of a fragment built in
   * parallel, to join with `concatFragmentContents` (every piece but the last must end on a full tile).
   */
  content(): FragmentContent {
    if (this.closed) throw new TileDBError("E_WRITE_INPUT", `${this.what}: the writer is closed`);
    this.closed = true;
    if (this.pending) {
      this.tileIdentity(this.pending, true);
      this.pending = null;
    }
    const content = this.tiler.content();
    if (content.cellCount === 0) throw new TileDBError("E_WRITE_INPUT", `${this.what}: no cells to write`);
    return content;
  }
}

/** Cells [from, to) of the columns, as write input (copied: the columns can be let go). */
function tailCells(cols: Column[], from: number, to: number): Cells {
  const out: Cells = {};
  for (const c of cols) {
    const validity = c.validity ? c.validity.slice(from, to) : undefined;
    if (c.codes) {
      const coded = { codes: c.codes.slice(from, to), dictionary: c.dictionary as CodeDictionary };
      out[c.name] = validity ? { values: coded, validity } : coded;
    } else if (c.isVar) {
      const o = c.varOffsets as Float64Array;
      const offsets = new Float64Array(to - from);
      for (let i = from; i < to; i++) offsets[i - from] = o[i] - o[from];
      const data = asTyped(c.type, (c.varData as Uint8Array).slice(o[from], o[to]));
      out[c.name] = validity ? { data, offsets, validity } : { data, offsets };
    } else {
      const values = asTyped(c.type, (c.fixed as Uint8Array).slice(from * c.cellSize, to * c.cellSize));
      out[c.name] = validity ? { values, validity } : values;
    }
  }
  return out;
}

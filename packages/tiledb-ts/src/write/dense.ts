/**
 * Dense writes of a subarray (format spec: fragment.md; array_schema.md tile/cell order): the fragment holds every
 * space tile the subarray touches, in tile order, each with all its cells in cell order; cells of those tiles
 * outside the subarray get the attribute's fill value. The fragment's non-empty domain is the subarray itself.
 * Tile statistics cover the written cells only, as TileDB's dense writer computes them.
 */

import { ByteWriter } from "../binary.js";
import { writeDomainValue } from "../domain-value.js";
import { TileDBError } from "../errors.js";
import type { ArraySchema, Attribute, Dimension } from "../schema.js";
import { VAR_NUM } from "../schema.js";
import { vfsFor } from "../vfs/index.js";
import { type Column, type ColumnInput, toColumn } from "./columns.js";
import { appendTile, type FieldFiles, type FragmentContent, newFieldFiles, pipelinesFor, type RawRange } from "./fragment-builder.js";
import { type CommittedFragment, commitFragment } from "./fragment-writer.js";
import { loadWriteSchema, nextFragmentTimestamp } from "./schema-loader.js";
import type { WriteOptions } from "./sparse.js";
import { type FieldTile, tileStats } from "./tile-builder.js";

export interface DenseWrite {
  /** One inclusive [low, high] range per dimension. */
  subarray: Array<[number | bigint, number | bigint]>;
  /** Values per attribute, one per cell of the subarray in `layout` order. */
  cells: Record<string, ColumnInput>;
  /** Order of the given cells within the subarray (default row-major). */
  layout?: "row-major" | "col-major";
}

const num = (v: number | bigint): number => (typeof v === "bigint" ? Number(v) : v);

function checkSubarray(dims: Dimension[], sub: DenseWrite["subarray"]): Array<[number, number]> {
  if (!Array.isArray(sub) || sub.length !== dims.length) {
    throw new TileDBError("E_WRITE_INPUT", `dense write: subarray needs one [low, high] range per dimension (${dims.length})`);
  }
  return dims.map((d, i) => {
    const r = sub[i];
    if (!Array.isArray(r) || r.length !== 2) throw new TileDBError("E_WRITE_INPUT", `dense write: dimension "${d.name}" needs a [low, high] range`);
    const lo = num(r[0]);
    const hi = num(r[1]);
    const [dl, dh] = (d.domain as [number | bigint, number | bigint]).map(num);
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) throw new TileDBError("E_WRITE_INPUT", `dense write: dimension "${d.name}" range [${r[0]}, ${r[1]}] must be integers`);
    if (lo > hi) throw new TileDBError("E_WRITE_INPUT", `dense write: dimension "${d.name}" range [${lo}, ${hi}] is empty`);
    if (lo < dl || hi > dh) throw new TileDBError("E_OUT_OF_DOMAIN", `dense write: dimension "${d.name}" range [${lo}, ${hi}] is outside the domain [${dl}, ${dh}]`);
    return [lo, hi];
  });
}

function fillColumn(a: Attribute): Column {
  const isVar = a.cellValNum === VAR_NUM;
  const fill = a.fillValue;
  return {
    name: a.name,
    type: a.type,
    cellValNum: a.cellValNum,
    isVar,
    nullable: a.nullable,
    cellSize: isVar ? 8 : fill.byteLength,
    cellCount: 1,
    ...(isVar ? { varData: fill, varOffsets: Float64Array.of(0, fill.byteLength) } : { fixed: fill }),
    ...(a.nullable ? { validity: Uint8Array.of(a.fillValueValidity ? 1 : 0) } : {}),
  };
}

/** Copies cell `i` of `src` to the tile under construction. */
class TileAssembler {
  fixed: Uint8Array;
  validity?: Uint8Array;
  private parts: Uint8Array[] = [];
  private offsets: BigUint64Array | null;
  private varLen = 0;
  private k = 0;
  constructor(
    private readonly col: Column,
    n: number,
  ) {
    this.fixed = new Uint8Array(col.isVar ? 0 : n * col.cellSize);
    this.offsets = col.isVar ? new BigUint64Array(n) : null;
    if (col.nullable) this.validity = new Uint8Array(n);
  }
  push(src: Column, i: number): void {
    if (this.offsets) {
      const o = src.varOffsets as Float64Array;
      const v = (src.varData as Uint8Array).subarray(o[i], o[i + 1]);
      this.offsets[this.k] = BigInt(this.varLen);
      this.parts.push(v);
      this.varLen += v.byteLength;
    } else {
      const cs = this.col.cellSize;
      this.fixed.set((src.fixed as Uint8Array).subarray(i * cs, i * cs + cs), this.k * cs);
    }
    if (this.validity) this.validity[this.k] = (src.validity as Uint8Array)[i];
    this.k++;
  }
  /** Copies cells [from, to) of `src`: one copy per buffer (a one-dimensional write's tiles are runs). */
  pushRun(src: Column, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.offsets) {
      const o = src.varOffsets as Float64Array;
      for (let i = from; i < to; i++) this.offsets[this.k + i - from] = BigInt(this.varLen + o[i] - o[from]);
      this.parts.push((src.varData as Uint8Array).subarray(o[from], o[to]));
      this.varLen += o[to] - o[from];
    } else {
      const cs = this.col.cellSize;
      this.fixed.set((src.fixed as Uint8Array).subarray(from * cs, to * cs), this.k * cs);
    }
    if (this.validity) this.validity.set((src.validity as Uint8Array).subarray(from, to), this.k);
    this.k += n;
  }
  finish(): FieldTile {
    const tile: FieldTile = { fixed: this.fixed, cellCount: this.k };
    if (this.offsets) {
      const data = new Uint8Array(this.varLen);
      let o = 0;
      for (const p of this.parts) {
        data.set(p, o);
        o += p.byteLength;
      }
      tile.fixed = new Uint8Array(this.offsets.buffer, 0, this.k * 8);
      tile.varData = data;
    } else {
      tile.fixed = this.fixed.subarray(0, this.k * this.col.cellSize);
    }
    if (this.validity) tile.validity = this.validity.subarray(0, this.k);
    return tile;
  }
}

/** Builds the tiles of a dense subarray write (nothing is written yet). */
export function buildDenseFragment(schema: ArraySchema, write: DenseWrite, what = "dense write"): FragmentContent {
  if (schema.arrayType !== "dense") throw new TileDBError("E_WRITE_INPUT", `${what}: the array is sparse; use writeSparse`);
  const dims = schema.dimensions;
  const D = dims.length;
  const sub = checkSubarray(dims, write.subarray);
  const shape = sub.map(([lo, hi]) => hi - lo + 1);
  const total = shape.reduce((a, b) => a * b, 1);
  const cells = write.cells ?? {};
  for (const k of Object.keys(cells)) {
    if (!schema.attributes.some((a) => a.name === k)) {
      throw new TileDBError("E_WRITE_INPUT", `${what}: "${k}" is not an attribute of the array${dims.some((d) => d.name === k) ? " (dense writes take coordinates from the subarray)" : ""}`);
    }
  }
  const cols = schema.attributes.map((a) => {
    if (!(a.name in cells)) throw new TileDBError("E_WRITE_INPUT", `${what}: attribute "${a.name}": no values given`);
    return toColumn({ name: a.name, type: a.type, cellValNum: a.cellValNum, nullable: a.nullable, kind: "attribute" }, cells[a.name], total);
  });
  const fills = schema.attributes.map(fillColumn);
  // Strides of the input layout over the subarray.
  const inStride = new Array<number>(D);
  if ((write.layout ?? "row-major") === "row-major") {
    let s = 1;
    for (let d = D - 1; d >= 0; d--) { inStride[d] = s; s *= shape[d]; }
  } else {
    let s = 1;
    for (let d = 0; d < D; d++) { inStride[d] = s; s *= shape[d]; }
  }
  const domLo = dims.map((d) => num((d.domain as [number | bigint, number | bigint])[0]));
  const ext = dims.map((d) => num(d.tileExtent as number | bigint));
  const tLo = sub.map(([lo], d) => Math.floor((lo - domLo[d]) / ext[d]));
  const tHi = sub.map(([, hi], d) => Math.floor((hi - domLo[d]) / ext[d]));
  const cellsPerTile = ext.reduce((a, b) => a * b, 1);
  const tileDims = schema.tileOrder === "col-major" ? [...Array(D).keys()] : [...Array(D).keys()].reverse(); // fastest first
  const cellDims = schema.cellOrder === "col-major" ? [...Array(D).keys()] : [...Array(D).keys()].reverse();
  const files: FieldFiles[] = cols.map((c) => newFieldFiles(c.name, false, c));
  const pipes = cols.map((c) => pipelinesFor(schema, c.name));
  const tileIdx = [...tLo];
  let tiles = 0;
  for (;;) {
    const start = tileIdx.map((t, d) => domLo[d] + t * ext[d]);
    const full = cols.map((c) => new TileAssembler(c, cellsPerTile));
    const written = cols.map((c) => new TileAssembler(c, cellsPerTile));
    if (D === 1) {
      // one dimension: the tile is fill, a run of input cells, fill
      const a = Math.max(start[0], sub[0][0]);
      const b = Math.min(start[0] + ext[0] - 1, sub[0][1]);
      for (let k = 0; k < cols.length; k++) {
        for (let x = start[0]; x < a; x++) full[k].push(fills[k], 0);
        full[k].pushRun(cols[k], a - sub[0][0], b - sub[0][0] + 1);
        written[k].pushRun(cols[k], a - sub[0][0], b - sub[0][0] + 1);
        for (let x = b + 1; x < start[0] + ext[0]; x++) full[k].push(fills[k], 0);
      }
    } else {
      const off = new Array<number>(D).fill(0);
      for (let c = 0; c < cellsPerTile; c++) {
        let inside = true;
        let idx = 0;
        for (let d = 0; d < D; d++) {
          const x = start[d] + off[d];
          if (x < sub[d][0] || x > sub[d][1]) { inside = false; break; }
          idx += (x - sub[d][0]) * inStride[d];
        }
        for (let a = 0; a < cols.length; a++) {
          if (inside) {
            full[a].push(cols[a], idx);
            written[a].push(cols[a], idx);
          } else full[a].push(fills[a], 0);
        }
        for (const d of cellDims) {
          if (++off[d] < ext[d]) break;
          off[d] = 0;
        }
      }
    }
    for (let a = 0; a < cols.length; a++) {
      const stats = tileStats(cols[a], written[a].finish(), false);
      appendTile(files[a], cols[a], full[a].finish(), pipes[a], `${what}: attribute "${cols[a].name}" tile ${tiles}`, schema.version, stats);
    }
    tiles++;
    let d = 0;
    for (; d < D; d++) {
      const dd = tileDims[d];
      if (++tileIdx[dd] <= tHi[dd]) break;
      tileIdx[dd] = tLo[dd];
    }
    if (d === D) break;
  }
  const ned: RawRange[] = dims.map((dim, d) => {
    const lo = new ByteWriter(8);
    writeDomainValue(lo, typeof dim.domain?.[0] === "bigint" ? BigInt(sub[d][0]) : sub[d][0], dim.type, dim.name);
    const hi = new ByteWriter(8);
    writeDomainValue(hi, typeof dim.domain?.[0] === "bigint" ? BigInt(sub[d][1]) : sub[d][1], dim.type, dim.name);
    return [lo.finish().slice(), hi.finish().slice()];
  });
  return { dense: true, fields: files, tileCount: tiles, cellCount: tiles * cellsPerTile, lastTileCellNum: 0, mbrs: [], nonEmptyDomain: ned };
}

/** Writes a dense subarray as one fragment, committed atomically; all input is validated first. */
export async function writeDense(arrayUri: string, write: DenseWrite, options: WriteOptions = {}): Promise<CommittedFragment> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const schema = options.schema ?? (await loadWriteSchema(arrayUri, vfs));
  const content = buildDenseFragment(schema, write, `write to ${arrayUri}`);
  const timestamp = options.timestamp ?? (await nextFragmentTimestamp(arrayUri, vfs));
  return commitFragment(arrayUri, schema, content, { vfs, timestamp });
}

/**
 * Building result columns from decoded tiles. A selection is a list of runs (tile, first cell, cell count);
 * a run copies with one `TypedArray.set`, so reading whole tiles in storage order is a sequence of memcpys.
 * A run without a tile stands for cells nobody wrote (dense reads): they get the attribute's fill value.
 */
import { datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { VAR_NUM } from "../schema.js";
import type { ResultColumn } from "./result.js";
import type { FieldInfo, FieldTile } from "./tiles.js";

export class Runs {
  tiles: Array<FieldTileSet | null> = [];
  starts: number[] = [];
  counts: number[] = [];
  length = 0;

  /** Appends cells [start, start + count) of `tiles`, merging with the previous run when contiguous. */
  push(tiles: FieldTileSet | null, start: number, count: number): void {
    if (count <= 0) return;
    const k = this.tiles.length - 1;
    if (k >= 0 && this.tiles[k] === tiles && (tiles === null || this.starts[k] + this.counts[k] === start)) {
      this.counts[k] += count;
    } else {
      this.tiles.push(tiles);
      this.starts.push(start);
      this.counts.push(count);
    }
    this.length += count;
  }
}

/** The decoded fields of one tile of one fragment, by field name. */
export type FieldTileSet = Map<string, FieldTile>;

/** Fill value of a field, as bytes and validity (format spec: array_schema.md "Fill value"). */
export interface Fill {
  bytes: Uint8Array;
  valid: boolean;
}

/** Builds the result column of `field` for `runs`. */
export function gatherColumn(field: FieldInfo, runs: Runs, fill: Fill | null, enumerationName?: string): ResultColumn {
  const n = runs.length;
  const col: ResultColumn = {
    name: field.name,
    role: field.role,
    type: field.type,
    cellValNum: field.cellValNum,
    nullable: field.nullable,
    length: n,
    data: new Uint8Array(0),
    enumerationName,
  };
  const tileOf = (k: number): FieldTile => {
    const t = (runs.tiles[k] as FieldTileSet).get(field.name);
    if (!t) throw new TileDBError("E_INTERNAL", `tile of "${field.name}" was not loaded`);
    return t;
  };
  if (field.cellValNum === VAR_NUM) {
    let total = 0;
    for (let k = 0; k < runs.tiles.length; k++) {
      if (runs.tiles[k] === null) total += ((fill as Fill).bytes.byteLength) * runs.counts[k];
      else {
        const o = tileOf(k).offsets as Float64Array;
        total += o[runs.starts[k] + runs.counts[k]] - o[runs.starts[k]];
      }
    }
    if (total > 0x7fffffff) throw new TileDBError("E_TOO_LARGE", `column "${field.name}": ${total} bytes do not fit one batch; lower the memory budget`);
    const data = new Uint8Array(total);
    const offsets = new Int32Array(n + 1);
    let pos = 0;
    let cell = 0;
    for (let k = 0; k < runs.tiles.length; k++) {
      const count = runs.counts[k];
      if (runs.tiles[k] === null) {
        const fb = (fill as Fill).bytes;
        for (let i = 0; i < count; i++) {
          offsets[cell++] = pos;
          data.set(fb, pos);
          pos += fb.byteLength;
        }
        continue;
      }
      const t = tileOf(k);
      const o = t.offsets as Float64Array;
      const s = runs.starts[k];
      const base = o[s];
      const delta = pos - base;
      for (let i = 0; i < count; i++) offsets[cell++] = o[s + i] + delta;
      data.set(t.data.subarray(base, o[s + count]), pos);
      pos += o[s + count] - base;
    }
    offsets[n] = pos;
    col.data = data;
    col.offsets = offsets;
  } else {
    const cs = datatypeSize(field.type) * field.cellValNum;
    // a single run over a whole tile is returned without a copy
    if (runs.tiles.length === 1 && runs.tiles[0] !== null && runs.starts[0] === 0 && tileOf(0).cellCount === n && tileOf(0).data.byteOffset % datatypeSize(field.type) === 0) {
      col.data = tileOf(0).data;
    } else {
      const data = new Uint8Array(n * cs);
      let pos = 0;
      for (let k = 0; k < runs.tiles.length; k++) {
        const count = runs.counts[k];
        if (runs.tiles[k] === null) {
          const fb = (fill as Fill).bytes;
          for (let i = 0; i < count; i++) data.set(fb.subarray(0, cs), pos + i * cs);
        } else {
          const s = runs.starts[k];
          data.set(tileOf(k).data.subarray(s * cs, (s + count) * cs), pos);
        }
        pos += count * cs;
      }
      col.data = data;
    }
  }
  if (field.nullable) {
    const v = new Uint8Array(n);
    let cell = 0;
    for (let k = 0; k < runs.tiles.length; k++) {
      const count = runs.counts[k];
      if (runs.tiles[k] === null) v.fill((fill as Fill).valid ? 1 : 0, cell, cell + count);
      else v.set((tileOf(k).validity as Uint8Array).subarray(runs.starts[k], runs.starts[k] + count), cell);
      cell += count;
    }
    col.validity = v;
  }
  return col;
}

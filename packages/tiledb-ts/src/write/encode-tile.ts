/**
 * Which pipeline filters which part of a field's tile (format spec: fragment.md "Data File"): values through the
 * field's filters, offsets through the schema's offsets filters, validity through its validity filters.
 * Var-sized strings under RLE or dictionary encoding carry their offsets inside the value tile; TileDB then
 * stores an empty offsets tile (zero chunks), and so do we.
 */
import { Datatype } from "../datatype.js";
import type { FilterPipeline } from "../filters/filter.js";
import { emptyFilteredTile, encodeTile, skipsOffsetsFiltering } from "../filters/index.js";
import { VAR_NUM } from "../schema.js";
import type { FieldTile } from "./tile-builder.js";

export interface EncodedTile {
  fixed: Uint8Array;
  var?: Uint8Array;
  validity?: Uint8Array;
}

export function encodeFieldTile(
  field: { isVar: boolean; nullable: boolean; type: Datatype; cellValNum: number },
  tile: FieldTile,
  pipes: { data: FilterPipeline; offsets: FilterPipeline; validity: FilterPipeline },
  what: string,
  version: number,
): EncodedTile {
  let out: EncodedTile;
  if (field.isVar) {
    const offsets = new BigUint64Array(tile.fixed.buffer, tile.fixed.byteOffset, tile.cellCount);
    const values = encodeTile(tile.varData as Uint8Array, pipes.data, { datatype: field.type, cellValNum: VAR_NUM, what: `${what} values`, version, varCellCodes: tile.codes }, offsets);
    const fixed = skipsOffsetsFiltering(pipes.data, field.type, version)
      ? emptyFilteredTile()
      : encodeTile(tile.fixed, pipes.offsets, { datatype: Datatype.UINT64, cellValNum: 1, what: `${what} offsets`, version });
    out = { fixed, var: values };
  } else {
    out = { fixed: encodeTile(tile.fixed, pipes.data, { datatype: field.type, cellValNum: field.cellValNum, what, version }) };
  }
  if (field.nullable) {
    out.validity = encodeTile(tile.validity as Uint8Array, pipes.validity, { datatype: Datatype.UINT8, cellValNum: 1, what: `${what} validity`, version });
  }
  return out;
}

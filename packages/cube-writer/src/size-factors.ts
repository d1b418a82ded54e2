/**
 * `size_factors` content: one row per queried cell, in the order given (the reference writes its obs query
 * order, ascending soma_joinid), with the 10 labels coded against sorted categories.
 */
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { CubeWriterError } from "./errors.js";
import { coded, type LabelColumn, recode } from "./labels.js";

export interface SizeFactorsInput {
  soma_joinid: BigInt64Array | ArrayLike<number>;
  /** Per grouping column, one label per cell. */
  columns: Record<string, LabelColumn>;
  approx_size_factor: Float64Array | ArrayLike<number>;
}

export interface SizeFactorsTable {
  nCells: number;
  soma_joinid: BigInt64Array;
  enumerations: Record<string, string[]>;
  codes: Record<string, Int32Array>;
  approx_size_factor: Float64Array;
}

export function sizeFactorsTable(input: SizeFactorsInput): SizeFactorsTable {
  const n = input?.soma_joinid?.length ?? 0;
  if (n === 0) throw new CubeWriterError("E_EMPTY", "size factors: no cells (did the obs filter match no cells?)");
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = input.soma_joinid[i];
    const b = typeof v === "bigint" ? v : Number.isSafeInteger(v) ? BigInt(v) : -1n;
    if (b < 0n) throw new CubeWriterError("E_BAD_JOINID", `size factors: soma_joinid ${String(v)} at row ${i} is not a non-negative integer`);
    ids[i] = b;
  }
  if (input.approx_size_factor?.length !== n) {
    throw new CubeWriterError("E_LENGTH", `size factors: ${input.approx_size_factor?.length ?? 0} approx_size_factor values for ${n} cells`);
  }
  const sf = Float64Array.from(input.approx_size_factor);
  for (let i = 0; i < n; i++) {
    if (!(Number.isFinite(sf[i]) && sf[i] >= 0)) throw new CubeWriterError("E_BAD_VALUE", `size factors: approx_size_factor ${sf[i]} of soma_joinid ${ids[i]} is not a finite non-negative number`);
  }
  const enumerations: Record<string, string[]> = {};
  const codes: Record<string, Int32Array> = {};
  for (const name of OBS_GROUP_COLUMNS) {
    const r = recode(coded(name, input.columns?.[name], n, "size factors"), "sorted");
    enumerations[name] = r.values;
    codes[name] = r.codes;
  }
  return { nCells: n, soma_joinid: ids, enumerations, codes, approx_size_factor: sf };
}

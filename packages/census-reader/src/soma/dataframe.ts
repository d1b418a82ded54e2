import { collectJoinids } from "../arrow/collect-joinids.js";
import { type RecordBatch, type Schema, Table, Type } from "apache-arrow";
import { DictionaryEncoder, encodeColumns } from "../arrow/dictionary-encode.js";
import { selectColumns, selectRows } from "../arrow/select-rows.js";
import { CensusReaderError } from "../errors.js";
import type { ArrayInfo } from "../tiledb-access.js";
import { bindFilter, filterColumns } from "../value-filter/bind.js";
import { evaluateFilter, recordBatchInput } from "../value-filter/evaluate.js";
import { parseFilter } from "../value-filter/parser.js";
import { type IndexDimension, intersectRanges, planPushdown, type RangeSet } from "../value-filter/pushdown.js";
import { type Coords, coordsToRanges } from "./coords.js";
import { SomaObject, type SomaObjectType } from "./soma-object.js";

export interface DataFrameReadOptions {
  /** Columns to return, in this order; all columns when omitted. */
  columnNames?: string[];
  /** A value filter, e.g. `is_primary_data == True and tissue_general in ['tongue', 'lung']`. */
  valueFilter?: string;
  /** Selections on index columns (usually `soma_joinid`): joinid lists or ranges. */
  coords?: Record<string, Coords>;
  /** Memory the read may use at its peak, in bytes (default 256 MiB; see the README). */
  memoryBudget?: number;
  /**
   * Plain string columns to return as dictionary vectors with codes stable across the read's batches
   * (`true`: every plain string column). For the 2023 Census layout, whose categorical columns are plain strings.
   */
  dictionaryEncode?: boolean | string[];
}

/**
 * A SOMA DataFrame: a sparse TileDB array indexed by `soma_joinid` (or other index columns).
 * Reads return Arrow record batches; categorical (enumerated) columns come out as dictionary vectors.
 */
export class SomaDataFrame extends SomaObject {
  readonly somaType: SomaObjectType = "SOMADataFrame";
  constructor(readonly array: ArrayInfo) {
    super(array.uri, array.metadata);
  }

  /** Arrow schema: index columns first, then the attributes. */
  get schema(): Schema {
    return this.array.arrowSchema;
  }

  get indexColumnNames(): string[] {
    return this.array.dimensions.map((d) => d.name);
  }

  /** Async stream of Arrow batches holding the selected rows and columns, in index order. */
  async *read(options: DataFrameReadOptions = {}): AsyncGenerator<RecordBatch> {
    const columns = options.columnNames ?? this.schema.fields.map((f) => f.name);
    const known = new Set(this.schema.fields.map((f) => f.name));
    for (const c of columns) {
      if (!known.has(c)) throw new CensusReaderError("E_NO_COLUMN", `${this.uri}: no column "${c}" (columns: ${[...known].join(", ")})`);
    }
    const plan = this.plan(options);
    if (plan.empty) return;
    const readCols = [...new Set([...columns, ...(plan.residual ? filterColumns(plan.residual) : [])])];
    const encoders = new Map<string, DictionaryEncoder>();
    if (options.dictionaryEncode) {
      const want = options.dictionaryEncode === true ? columns : options.dictionaryEncode;
      for (const c of want) {
        const f = this.schema.fields.find((x) => x.name === c);
        if (!f) throw new CensusReaderError("E_NO_COLUMN", `${this.uri}: dictionaryEncode names "${c}", which is not a column`);
        if (f.type.typeId === Type.Utf8 || f.type.typeId === Type.LargeUtf8) encoders.set(c, new DictionaryEncoder(c));
        else if (options.dictionaryEncode !== true && f.type.typeId !== Type.Dictionary) {
          throw new CensusReaderError("E_NO_COLUMN", `${this.uri}: dictionaryEncode names "${c}", which is ${String(f.type)}, not a string column`);
        }
      }
    }
    for await (const batch of this.array.read({ columns: readCols, ranges: plan.ranges, order: "global", memoryBudget: options.memoryBudget })) {
      let out = batch;
      if (out.numRows === 0) continue;
      if (plan.residual) {
        out = selectRows(out, evaluateFilter(plan.residual, recordBatchInput(out)));
        if (out.numRows === 0) continue;
      }
      if (readCols.length !== columns.length || readCols.some((c, i) => c !== columns[i])) out = selectColumns(out, columns);
      yield encodeColumns(out, encoders);
    }
  }

  /** All selected rows as one Arrow table. */
  async readAll(options: DataFrameReadOptions = {}): Promise<Table> {
    const batches: RecordBatch[] = [];
    for await (const b of this.read(options)) batches.push(b);
    if (batches.length > 0) return new Table(batches);
    const names = options.columnNames ?? this.schema.fields.map((f) => f.name);
    return new Table(this.schema.select(names));
  }

  /** The `soma_joinid` values of the rows a filter selects, ascending. */
  async joinids(options: Omit<DataFrameReadOptions, "columnNames"> = {}): Promise<BigInt64Array> {
    return collectJoinids(this.read({ ...options, columnNames: ["soma_joinid"] }));
  }

  /** Splits the filter into index-column ranges (read as a subarray) and a residual evaluated per batch. */
  private plan(options: DataFrameReadOptions) {
    const indexDims: IndexDimension[] = [];
    for (const d of this.array.dimensions) {
      const dom = d.currentDomain ?? d.domain;
      if (dom) indexDims.push({ name: d.name, domain: dom });
    }
    const bound = options.valueFilter === undefined ? null : bindFilter(parseFilter(options.valueFilter), this.schema, options.valueFilter);
    const plan = planPushdown(bound, indexDims);
    for (const [name, c] of Object.entries(options.coords ?? {})) {
      if (!this.indexColumnNames.includes(name)) {
        throw new CensusReaderError("E_COORDS", `${this.uri}: coords given for "${name}", which is not an index column (${this.indexColumnNames.join(", ")})`);
      }
      const r: RangeSet = coordsToRanges(c, `${this.uri} coords on ${name}`);
      const prev = plan.ranges.get(name);
      const next = prev ? intersectRanges(prev, r) : r;
      plan.ranges.set(name, next);
      if (next.length === 0) plan.empty = true;
    }
    return plan;
  }
}

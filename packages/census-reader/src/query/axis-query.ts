import type { RecordBatch, Table } from "apache-arrow";
import { collectJoinids } from "../arrow/collect-joinids.js";
import { CensusReaderError } from "../errors.js";
import { type Coords, coordsToRanges, joinidsToRanges } from "../soma/coords.js";
import type { SomaDataFrame } from "../soma/dataframe.js";
import type { SomaExperiment } from "../soma/experiment.js";
import type { SomaMeasurement } from "../soma/measurement.js";
import { intersectRanges, type RangeSet } from "../value-filter/pushdown.js";

/** A selection on one axis (obs or var): a value filter, joinid coords, both (rows must satisfy both), or neither (all rows). */
export interface AxisQuery {
  valueFilter?: string;
  coords?: Coords;
}

export interface AxisQueryOptions {
  obsQuery?: AxisQuery;
  varQuery?: AxisQuery;
  /** Memory an obs/var read may use at its peak, in bytes (default 256 MiB; see the README). */
  memoryBudget?: number;
}

export interface XReadOptions {
  /**
   * Read only these obs joinids (intersected with the query's obs selection), e.g. one batch of cell groups.
   * Either way rows come in X's storage order (ascending soma_dim_0, then soma_dim_1).
   */
  obsCoords?: Coords;
  /** Memory the X stream may use at its peak, in bytes (default 256 MiB; see the README). */
  memoryBudget?: number;
}

/**
 * Cells (obs) × features (var) of one measurement, like TileDB-SOMA's `ExperimentAxisQuery`:
 * joinids and counts of each axis, obs/var as Arrow, and X for the selected cells as a stream of
 * Arrow batches (`soma_dim_0`, `soma_dim_1`, `soma_data`).
 */
export class ExperimentAxisQuery {
  private obsIds?: Promise<BigInt64Array>;
  private varIds?: Promise<BigInt64Array>;

  private constructor(
    readonly experiment: SomaExperiment,
    readonly measurementName: string,
    readonly measurement: SomaMeasurement,
    private readonly obsDf: SomaDataFrame,
    private readonly options: AxisQueryOptions,
  ) {}

  static async create(experiment: SomaExperiment, measurementName: string, options: AxisQueryOptions = {}): Promise<ExperimentAxisQuery> {
    const ms = await experiment.measurement(measurementName);
    const obs = await experiment.obs();
    return new ExperimentAxisQuery(experiment, measurementName, ms, obs, options);
  }

  async obsDataFrame(): Promise<SomaDataFrame> {
    return this.obsDf;
  }

  async varDataFrame(): Promise<SomaDataFrame> {
    return this.measurement.var();
  }

  private readAxis(df: SomaDataFrame, q: AxisQuery | undefined, columnNames?: string[]) {
    return df.read({
      columnNames,
      valueFilter: q?.valueFilter,
      coords: q?.coords === undefined ? undefined : { soma_joinid: q.coords },
      memoryBudget: this.options.memoryBudget,
    });
  }

  /** Joinids of the selected cells, ascending. */
  obsJoinids(): Promise<BigInt64Array> {
    this.obsIds ??= collectJoinids(this.readAxis(this.obsDf, this.options.obsQuery, ["soma_joinid"]));
    return this.obsIds;
  }

  /** Joinids of the selected features, ascending. */
  varJoinids(): Promise<BigInt64Array> {
    this.varIds ??= this.varDataFrame().then((v) => collectJoinids(this.readAxis(v, this.options.varQuery, ["soma_joinid"])));
    return this.varIds;
  }

  async nObs(): Promise<number> {
    return (await this.obsJoinids()).length;
  }

  async nVars(): Promise<number> {
    return (await this.varJoinids()).length;
  }

  /**
   * The selected obs rows (all columns, or `columnNames`) as one Arrow table; `dictionaryEncode` turns plain
   * string columns (2023 layout) into dictionary vectors with stable codes.
   */
  async obs(columnNames?: string[], options: { dictionaryEncode?: boolean | string[] } = {}): Promise<Table> {
    return this.obsDf.readAll({
      columnNames,
      dictionaryEncode: options.dictionaryEncode,
      valueFilter: this.options.obsQuery?.valueFilter,
      coords: this.options.obsQuery?.coords === undefined ? undefined : { soma_joinid: this.options.obsQuery.coords },
      memoryBudget: this.options.memoryBudget,
    });
  }

  async var(columnNames?: string[], options: { dictionaryEncode?: boolean | string[] } = {}): Promise<Table> {
    const v = await this.varDataFrame();
    return v.readAll({
      columnNames,
      dictionaryEncode: options.dictionaryEncode,
      valueFilter: this.options.varQuery?.valueFilter,
      coords: this.options.varQuery?.coords === undefined ? undefined : { soma_joinid: this.options.varQuery.coords },
      memoryBudget: this.options.memoryBudget,
    });
  }

  private isAll(q: AxisQuery | undefined): boolean {
    return q === undefined || (q.valueFilter === undefined && q.coords === undefined);
  }

  /**
   * The X layer's cells for the selected obs and var, streamed in storage order in batches bounded by
   * `memoryBudget`. An axis without a selection is not restricted at all (no joinid list is built).
   */
  async *X(layer: string, options: XReadOptions = {}): AsyncGenerator<RecordBatch> {
    const x = await this.measurement.xLayer(layer).catch((e: unknown) => {
      if (e instanceof CensusReaderError && e.code === "E_NO_MEMBER") {
        throw new CensusReaderError("E_NO_LAYER", `measurement ${this.measurement.uri} has no X layer "${layer}"`, { cause: e });
      }
      throw e;
    });
    let obsRanges: RangeSet | null = this.isAll(this.options.obsQuery) ? null : joinidsToRanges(await this.obsJoinids());
    if (options.obsCoords !== undefined) {
      const given = coordsToRanges(options.obsCoords, "X obsCoords");
      obsRanges = obsRanges === null ? given : intersectRanges(obsRanges, given);
    }
    const varRanges: RangeSet | null = this.isAll(this.options.varQuery) ? null : joinidsToRanges(await this.varJoinids());
    if ((obsRanges && obsRanges.length === 0) || (varRanges && varRanges.length === 0)) return;
    // Thousands of scattered joinids go to the read as they are: tiles are matched to ranges by binary search.
    yield* x.read({ coords: [obsRanges, varRanges], order: "global", memoryBudget: options.memoryBudget });
  }
}

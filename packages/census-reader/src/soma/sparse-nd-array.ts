import type { RecordBatch } from "apache-arrow";
import { CensusReaderError } from "../errors.js";
import type { ArrayInfo } from "../tiledb-access.js";
import type { RangeSet } from "../value-filter/pushdown.js";
import { type Coords, coordsToRanges } from "./coords.js";
import { SomaObject, type SomaObjectType } from "./soma-object.js";

export interface NDArrayReadOptions {
  /** Per dimension (soma_dim_0, soma_dim_1, …): a selection, or null/undefined for all. */
  coords?: Array<Coords | RangeSet | null | undefined>;
  /** Storage (global) order, or whatever order is cheapest. Default "global". */
  order?: "global" | "unordered";
  /** Bytes of decoded tiles held per batch (default 256 MiB). */
  memoryBudget?: number;
}

/** Shape of an N-d array: the current domain when the array has one (current TileDB-SOMA), else the domain. */
function shapeOf(array: ArrayInfo): bigint[] {
  return array.dimensions.map((d) => {
    const dom = d.currentDomain ?? d.domain;
    if (!dom) throw new CensusReaderError("E_SOMA_SCHEMA", `${array.uri}: dimension ${d.name} is not an integer dimension`);
    return dom[1] + 1n;
  });
}

function toRangeMap(array: ArrayInfo, coords: NDArrayReadOptions["coords"]): Map<string, RangeSet> {
  const ranges = new Map<string, RangeSet>();
  if (!coords) return ranges;
  if (coords.length > array.dimensions.length) {
    throw new CensusReaderError("E_COORDS", `${array.uri}: ${coords.length} coordinate selections for ${array.dimensions.length} dimensions`);
  }
  coords.forEach((c, i) => {
    if (c === null || c === undefined) return;
    const name = array.dimensions[i].name;
    const isRangeSet = Array.isArray(c) && c.length > 0 && Array.isArray(c[0]);
    ranges.set(name, isRangeSet ? (c as RangeSet) : Array.isArray(c) && c.length === 0 ? [] : coordsToRanges(c as Coords, `${array.uri} coords on ${name}`));
  });
  return ranges;
}

/** A SOMA SparseNDArray (e.g. `X/raw`): batches of (soma_dim_0, soma_dim_1, …, soma_data). */
export class SomaSparseNDArray extends SomaObject {
  readonly somaType: SomaObjectType = "SOMASparseNDArray";
  constructor(readonly array: ArrayInfo) {
    super(array.uri, array.metadata);
  }

  get ndim(): number {
    return this.array.dimensions.length;
  }

  get shape(): bigint[] {
    return shapeOf(this.array);
  }

  /** Streams the selected cells as Arrow batches of at most about `memoryBudget` bytes of decoded tiles each. */
  async *read(options: NDArrayReadOptions = {}): AsyncGenerator<RecordBatch> {
    const ranges = toRangeMap(this.array, options.coords);
    for (const r of ranges.values()) if (r.length === 0) return;
    const columns = [...this.array.dimensions.map((d) => d.name), "soma_data"];
    yield* this.array.read({ columns, ranges, order: options.order ?? "global", memoryBudget: options.memoryBudget });
  }
}

/** A SOMA DenseNDArray, read-only: batches of coordinates and `soma_data` over the selection. */
export class SomaDenseNDArray extends SomaObject {
  readonly somaType: SomaObjectType = "SOMADenseNDArray";
  constructor(readonly array: ArrayInfo) {
    super(array.uri, array.metadata);
  }

  get ndim(): number {
    return this.array.dimensions.length;
  }

  get shape(): bigint[] {
    return shapeOf(this.array);
  }

  /**
   * Reads one box (one range per dimension; the whole shape by default) as a single batch of coordinates and
   * `soma_data` in row-major order; cells never written hold the array's fill value.
   */
  async *read(options: Omit<NDArrayReadOptions, "order"> = {}): AsyncGenerator<RecordBatch> {
    const given = toRangeMap(this.array, options.coords);
    const shape = this.shape;
    const ranges = new Map<string, RangeSet>();
    for (const [i, d] of this.array.dimensions.entries()) {
      const r = given.get(d.name) ?? [[0n, shape[i] - 1n]];
      if (r.length === 0) return;
      if (r.length !== 1) {
        throw new CensusReaderError("E_COORDS", `${this.uri}: dense reads take one range per dimension; ${d.name} has ${r.length} (${r.map(([a, b]) => `[${a}, ${b}]`).join(", ")})`);
      }
      if (r[0][0] < 0n || r[0][1] >= shape[i]) {
        throw new CensusReaderError("E_COORDS", `${this.uri}: range [${r[0][0]}, ${r[0][1]}] on ${d.name} is outside the shape [0, ${shape[i] - 1n}]`);
      }
      ranges.set(d.name, r);
    }
    const columns = [...this.array.dimensions.map((d) => d.name), "soma_data"];
    yield* this.array.read({ columns, ranges, order: "global", memoryBudget: options.memoryBudget });
  }
}

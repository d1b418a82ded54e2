import type { RecordBatch } from "apache-arrow";
import type { ArrayInfo } from "../tiledb-access.js";
import { type NDArrayReadOptions, shapeOf, toRangeMap } from "./nd-array.js";
import { SomaObject, type SomaObjectType } from "./soma-object.js";

export type { NDArrayReadOptions } from "./nd-array.js";

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
    yield* this.array.read({ columns, ranges, order: options.order ?? "global", memoryBudget: options.memoryBudget, reuseBuffers: options.reuseBuffers });
  }
}

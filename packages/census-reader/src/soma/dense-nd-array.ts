import type { RecordBatch } from "apache-arrow";
import { CensusReaderError } from "../errors.js";
import type { ArrayInfo } from "../tiledb-access.js";
import type { RangeSet } from "../value-filter/pushdown.js";
import { type NDArrayReadOptions, shapeOf, toRangeMap } from "./nd-array.js";
import { SomaObject, type SomaObjectType } from "./soma-object.js";

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

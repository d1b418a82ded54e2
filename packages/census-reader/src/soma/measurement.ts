import { SomaCollection } from "./collection.js";
import { SomaDataFrame } from "./dataframe.js";
import type { SomaObjectType } from "./soma-object.js";
import { expectType } from "./soma-object.js";
import { SomaSparseNDArray } from "./sparse-nd-array.js";

/** A SOMA Measurement: `var` (the features) and the `X` collection of matrices (layers such as `raw`). */
export class SomaMeasurement extends SomaCollection {
  override readonly somaType: SomaObjectType = "SOMAMeasurement";

  async var(): Promise<SomaDataFrame> {
    return expectType(await this.get("var"), SomaDataFrame, `SOMADataFrame (member "var" of ${this.uri})`);
  }

  async X(): Promise<SomaCollection> {
    return expectType(await this.get("X"), SomaCollection, `SOMACollection (member "X" of ${this.uri})`);
  }

  /** An X layer (e.g. "raw") as a sparse matrix. */
  async xLayer(layer: string): Promise<SomaSparseNDArray> {
    const x = await this.X();
    return expectType(await x.get(layer), SomaSparseNDArray, `SOMASparseNDArray (X layer "${layer}" of ${this.uri})`);
  }
}

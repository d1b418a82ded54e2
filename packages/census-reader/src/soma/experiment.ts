import { SomaCollection } from "./collection.js";
import { SomaDataFrame } from "./dataframe.js";
import { SomaMeasurement } from "./measurement.js";
import type { SomaObjectType } from "./soma-object.js";
import { expectType } from "./soma-object.js";

/** A SOMA Experiment: `obs` (the cells) and `ms`, the measurements by name (e.g. `ms/RNA`). */
export class SomaExperiment extends SomaCollection {
  override readonly somaType: SomaObjectType = "SOMAExperiment";

  async obs(): Promise<SomaDataFrame> {
    return expectType(await this.get("obs"), SomaDataFrame, `SOMADataFrame (member "obs" of ${this.uri})`);
  }

  async ms(): Promise<SomaCollection> {
    return expectType(await this.get("ms"), SomaCollection, `SOMACollection (member "ms" of ${this.uri})`);
  }

  async measurement(name: string): Promise<SomaMeasurement> {
    const ms = await this.ms();
    return expectType(await ms.get(name), SomaMeasurement, `SOMAMeasurement (member "${name}" of ${ms.uri})`);
  }
}

import { CensusReaderError } from "../errors.js";
import { objectKind, openArrayInfo, openGroupInfo, pathExists } from "../tiledb-access.js";
import { SomaCollection } from "./collection.js";
import { SomaDataFrame } from "./dataframe.js";
import { SomaDenseNDArray } from "./dense-nd-array.js";
import { SomaExperiment } from "./experiment.js";
import { SomaMeasurement } from "./measurement.js";
import { checkSomaMetadata, expectType, type SomaObject } from "./soma-object.js";
import { SomaSparseNDArray } from "./sparse-nd-array.js";

/**
 * Opens the SOMA object at `uri` (a local path or `file://` URI; other schemes as tiledb-ts backends add them),
 * checking its `soma_object_type` and `soma_encoding_version`.
 */
export function openSoma(uri: string): Promise<SomaObject> {
  return openWithin(uri, []);
}

/** openSoma for a member of the groups in `lineage` (their keys), which its collection checks for cycles. */
async function openWithin(uri: string, lineage: readonly string[]): Promise<SomaObject> {
  const kind = await objectKind(uri);
  if (kind === "invalid") {
    if (!(await pathExists(uri))) throw new CensusReaderError("E_NOT_FOUND", `nothing is stored at ${uri}`);
    throw new CensusReaderError("E_NOT_SOMA", `${uri} is neither a TileDB group nor a TileDB array`);
  }
  if (kind === "group") {
    const g = await openGroupInfo(uri);
    const type = checkSomaMetadata(uri, g.metadata, "group");
    if (type === "SOMAExperiment") return new SomaExperiment(g, openWithin, lineage);
    if (type === "SOMAMeasurement") return new SomaMeasurement(g, openWithin, lineage);
    return new SomaCollection(g, openWithin, lineage);
  }
  const a = await openArrayInfo(uri);
  const type = checkSomaMetadata(uri, a.metadata, "array");
  if (type === "SOMADataFrame") return new SomaDataFrame(a);
  if (type === "SOMASparseNDArray") return new SomaSparseNDArray(a);
  return new SomaDenseNDArray(a);
}

export async function openExperiment(uri: string): Promise<SomaExperiment> {
  return expectType(await openSoma(uri), SomaExperiment, "SOMAExperiment");
}
export async function openMeasurement(uri: string): Promise<SomaMeasurement> {
  return expectType(await openSoma(uri), SomaMeasurement, "SOMAMeasurement");
}
export async function openCollection(uri: string): Promise<SomaCollection> {
  return expectType(await openSoma(uri), SomaCollection, "SOMACollection");
}
export async function openDataFrame(uri: string): Promise<SomaDataFrame> {
  return expectType(await openSoma(uri), SomaDataFrame, "SOMADataFrame");
}
export async function openSparseNDArray(uri: string): Promise<SomaSparseNDArray> {
  return expectType(await openSoma(uri), SomaSparseNDArray, "SOMASparseNDArray");
}
export async function openDenseNDArray(uri: string): Promise<SomaDenseNDArray> {
  return expectType(await openSoma(uri), SomaDenseNDArray, "SOMADenseNDArray");
}

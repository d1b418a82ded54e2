/**
 * Just enough TileDB-SOMA writing for synthetic experiments, over tiledb-ts: SOMA groups and arrays carry
 * `soma_object_type` / `soma_encoding_version` metadata, as the 2023 Census does, so Python tiledbsoma and
 * our census-reader open them.
 */
import {
  type ArraySchemaInput,
  addGroupMembers,
  createArray,
  createGroup,
  type MetadataInput,
  writeGroupMetadata,
  writeMetadata,
} from "@census-cube/tiledb-ts";

export type SomaGroupType = "SOMAExperiment" | "SOMAMeasurement" | "SOMACollection";

const ENCODING_VERSION = "1";

export async function createSomaGroup(uri: string, type: SomaGroupType, extra: Record<string, MetadataInput> = {}): Promise<void> {
  await createGroup(uri);
  await writeGroupMetadata(uri, { put: { soma_object_type: type, soma_encoding_version: ENCODING_VERSION, ...extra } });
}

export async function createSomaArray(
  uri: string,
  type: "SOMADataFrame" | "SOMASparseNDArray",
  schema: ArraySchemaInput,
  extra: Record<string, MetadataInput> = {},
): Promise<void> {
  await createArray(uri, schema);
  await writeMetadata(uri, { put: { soma_object_type: type, soma_encoding_version: ENCODING_VERSION, ...extra } });
}

/** Adds members by relative name, as TileDB-SOMA does for the children it creates. */
export async function addMembers(groupUri: string, names: string[]): Promise<void> {
  await addGroupMembers(
    groupUri,
    names.map((name) => ({ uri: name, name, relative: true })),
  );
}

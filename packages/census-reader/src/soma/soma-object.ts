import { CensusReaderError } from "../errors.js";
import type { MetadataMap } from "../tiledb-access.js";

/** SOMA object types as TileDB-SOMA stores them in the `soma_object_type` metadata key. */
export type SomaObjectType =
  | "SOMACollection"
  | "SOMAExperiment"
  | "SOMAMeasurement"
  | "SOMADataFrame"
  | "SOMASparseNDArray"
  | "SOMADenseNDArray";

export const GROUP_TYPES: ReadonlySet<string> = new Set(["SOMACollection", "SOMAExperiment", "SOMAMeasurement"]);
export const ARRAY_TYPES: ReadonlySet<string> = new Set(["SOMADataFrame", "SOMASparseNDArray", "SOMADenseNDArray"]);

/** Encoding versions this reader understands: "1" (TileDB-SOMA 1.x, the 2023 Census) and "1.1.0" (current). */
const ENCODING_VERSIONS = new Set(["1", "1.1.0"]);

function metaString(metadata: MetadataMap, key: string): string | undefined {
  const v = metadata.get(key)?.value;
  return typeof v === "string" ? v : undefined;
}

/** Reads and checks the SOMA metadata of the object at `uri`: its type and encoding version. */
export function checkSomaMetadata(uri: string, metadata: MetadataMap, kind: "group" | "array"): SomaObjectType {
  const type = metaString(metadata, "soma_object_type");
  if (type === undefined) {
    throw new CensusReaderError("E_NOT_SOMA", `${uri} is a TileDB ${kind} but not a SOMA object (no soma_object_type metadata)`);
  }
  const allowed = kind === "group" ? GROUP_TYPES : ARRAY_TYPES;
  if (!allowed.has(type)) {
    throw new CensusReaderError("E_NOT_SOMA", `${uri}: soma_object_type "${type}" is not a SOMA ${kind} type (expected one of ${[...allowed].join(", ")})`);
  }
  const version = metaString(metadata, "soma_encoding_version");
  if (version === undefined) throw new CensusReaderError("E_NOT_SOMA", `${uri}: ${type} has no soma_encoding_version metadata`);
  if (!ENCODING_VERSIONS.has(version)) {
    throw new CensusReaderError("E_SOMA_VERSION", `${uri}: soma_encoding_version "${version}" is not supported (supported: ${[...ENCODING_VERSIONS].join(", ")})`);
  }
  return type as SomaObjectType;
}

export abstract class SomaObject {
  abstract readonly somaType: SomaObjectType;
  constructor(
    readonly uri: string,
    /** The object's TileDB metadata (SOMA keys included). */
    readonly metadata: MetadataMap,
  ) {}
}

export function expectType<T extends SomaObject>(obj: SomaObject, ctor: abstract new (...args: never[]) => T, want: string): T {
  if (!(obj instanceof ctor)) {
    throw new CensusReaderError("E_SOMA_TYPE", `${obj.uri} is a ${obj.somaType}, not a ${want}`);
  }
  return obj;
}

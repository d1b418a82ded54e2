/**
 * Timestamped names (format spec: timestamped_name.md): `__t1_t2_uuid[_v]` since format 3,
 * `__uuid_t1[_t2]` in formats 1-2. t1/t2 are milliseconds since the Unix epoch.
 */
import { randomUUID } from "node:crypto";

export interface TimestampedName {
  /** The name without extension (e.g. `__1707330782195_1707330782195_6208…_20`). */
  name: string;
  t1: number;
  t2: number;
  uuid: string;
  /** The format version suffix, if the name carries one. */
  version?: number;
  /** Extension after the name, without the dot (`wrt`, `ok`, `con`, `meta`, …), if any. */
  extension?: string;
}

const CURRENT = /^__(\d+)_(\d+)_([0-9a-fA-F]{32})(?:_(\d+))?$/;
const LEGACY = /^__([0-9a-fA-F]{32})_(\d+)(?:_(\d+))?$/;

/**
 * Parses a timestamped name, with or without a file extension and leading path.
 * Returns undefined for names that are not timestamped (readers ignore such files).
 */
export function parseTimestampedName(nameOrUri: string): TimestampedName | undefined {
  let base = nameOrUri.replace(/\/+$/, "");
  base = base.slice(base.lastIndexOf("/") + 1);
  let extension: string | undefined;
  const dot = base.indexOf(".");
  if (dot >= 0) {
    extension = base.slice(dot + 1);
    base = base.slice(0, dot);
  }
  let m = CURRENT.exec(base);
  if (m) {
    const t1 = Number(m[1]);
    const t2 = Number(m[2]);
    if (!Number.isSafeInteger(t1) || !Number.isSafeInteger(t2)) return undefined;
    return { name: base, t1, t2, uuid: m[3], version: m[4] === undefined ? undefined : Number(m[4]), extension };
  }
  m = LEGACY.exec(base);
  if (m) {
    const t1 = Number(m[2]);
    const t2 = m[3] === undefined ? t1 : Number(m[3]);
    // Formats 1-2 used this layout; the version is not in the name.
    return { name: base, t1, t2, uuid: m[1], extension };
  }
  return undefined;
}

/** A fresh 32-hex-digit uuid as TileDB puts in names. */
export function newNameUuid(): string {
  return randomUUID().replace(/-/g, "");
}

/** Makes `__t1_t2_uuid` or, with a version, `__t1_t2_uuid_v`. */
export function makeTimestampedName(t1: number, t2: number = t1, version?: number, uuid: string = newNameUuid()): string {
  if (!Number.isSafeInteger(t1) || !Number.isSafeInteger(t2) || t1 < 0 || t2 < t1) {
    throw new RangeError(`invalid timestamp range [${t1}, ${t2}] for a timestamped name`);
  }
  return `__${t1}_${t2}_${uuid}${version === undefined ? "" : `_${version}`}`;
}

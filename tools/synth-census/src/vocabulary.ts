import type { Rng } from "./rng.js";

/**
 * Census-like vocabularies: an ontology term id and a label per value, with the cardinalities of the
 * 2023 Census homo_sapiens experiment (order of magnitude). Values are synthetic but shaped like the
 * real ones ("CL:0000066", "10x 3' v3", ...), so string lengths and dictionary sizes are realistic.
 */
export interface Vocabulary {
  ids: string[];
  labels: string[];
}

function numbered(prefix: string, label: string, n: number, width = 7): Vocabulary {
  const ids: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(`${prefix}:${String(i + 1).padStart(width, "0")}`);
    labels.push(`${label} ${i + 1}`);
  }
  return { ids, labels };
}

export const CELL_TYPES = numbered("CL", "cell type", 630);
export const TISSUES_GENERAL = numbered("UBERON", "tissue", 55);
export const TISSUES = numbered("UBERON", "tissue part", 230);
export const ASSAYS = numbered("EFO", "assay", 20);
export const DISEASES: Vocabulary = {
  ids: ["PATO:0000461", ...numbered("MONDO", "disease", 69).ids],
  labels: ["normal", ...numbered("MONDO", "disease", 69).labels],
};
export const SEXES: Vocabulary = { ids: ["PATO:0000383", "PATO:0000384", "unknown"], labels: ["female", "male", "unknown"] };
export const DEVELOPMENT_STAGES = numbered("HsapDv", "stage", 160);
export const ETHNICITIES = numbered("HANCESTRO", "ethnicity", 30, 4);
export const SUSPENSION_TYPES = ["cell", "nucleus"];

/** A random lower-case UUID (v4 layout) from the seeded generator, for dataset ids. */
export function seededUuid(rng: Rng): string {
  const hex = "0123456789abcdef";
  let s = "";
  for (let i = 0; i < 32; i++) {
    let d = rng.int(16);
    if (i === 12) d = 4;
    if (i === 16) d = 8 + (d & 3);
    s += hex[d];
    if (i === 7 || i === 11 || i === 15 || i === 19) s += "-";
  }
  return s;
}

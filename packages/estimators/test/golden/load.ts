import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Read one JSON file of this folder. */
export function golden<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, name), "utf8")) as T;
}

export interface Inputs {
  size_factors: { name: string; raw_sum: number[] }[];
  pipeline: {
    n_cells: number;
    n_genes: number;
    obs: Record<string, { categories: string[]; codes: number[] }>;
    raw_sum: number[];
    x: { cell: number[]; gene: number[]; value: number[] };
  };
  de: {
    n_features: number;
    obs_groups: { columns: Record<string, { categories: string[]; codes: number[] }>; n_obs: number[] };
    cube: Record<"obs_group" | "gene" | "sum" | "sumsq" | "size_factor" | "n_obs", number[]>;
    runs: { treatment: string; covariates: string[] }[];
  };
}

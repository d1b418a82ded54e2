export { PRESETS, generateChunk, genePopularity, planDatasets } from "./generate.js";
export type { DatasetPlan, ObsChunk, SynthConfig, XChunk } from "./generate.js";
export { Rng, WeightedChoice, zipfWeights } from "./rng.js";
export { type CategoricalLayout, type WriteExperimentOptions, type WrittenExperiment, writeExperiment } from "./write-experiment.js";

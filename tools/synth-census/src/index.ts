export { PRESETS, featureIdOf, generateChunk, genePopularity, planDatasets, plantEffects } from "./generate.js";
export type { DatasetPlan, ObsChunk, PlantedEffects, SynthConfig, XChunk } from "./generate.js";
export { Rng, WeightedChoice, zipfWeights } from "./rng.js";
export { type CategoricalLayout, type WriteExperimentOptions, type PlantedRecord, type WrittenExperiment, writeExperiment } from "./write-experiment.js";

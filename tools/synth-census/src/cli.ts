#!/usr/bin/env node
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { Command, InvalidArgumentError } from "commander";
import { PRESETS } from "./generate.js";
import { type CategoricalLayout, PRESET_X_LAYOUTS, writeExperiment, type XLayout } from "./write-experiment.js";

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

const program = new Command("synth-census")
  .version((createRequire(import.meta.url)("../package.json") as { version: string }).version)
  .description("Write a seeded, Census-shaped TileDB-SOMA experiment (obs, ms/RNA/var, ms/RNA/X/raw)")
  .requiredOption("--out <dir>", "experiment directory to create (must not exist)")
  .option("--preset <name>", `size preset: ${Object.keys(PRESETS).join(", ")}`, "small")
  .option("--seed <n>", "random seed", int("--seed"), 1)
  .option("--cells <n>", "number of cells (overrides the preset)", int("--cells"))
  .option("--genes <n>", "number of genes (overrides the preset)", int("--genes"))
  .option("--primary-fraction <f>", "fraction of cells with is_primary_data", Number.parseFloat)
  .option("--planted-de <n>", "plant n differentially expressed genes between the two most frequent cell types (recorded in planted_de.json)", int("--planted-de"))
  .option("--planted-fold <f>", "fold change of the planted genes' count means in the case cell type (half up, half down)", Number.parseFloat, 2)
  .option("--categorical <layout>", "enumeration (current TileDB-SOMA) or string (2023 Census layout)", "enumeration")
  .option("--x-fragments <n>", "write X as n overlapping fragments, blocks of cells dealt to them at random (as appends do)", int("--x-fragments"))
  .option("--x-block-cells <n>", "with --x-fragments: cells per block dealt to one fragment", int("--x-block-cells"))
  .option("--x-rewrite-fraction <f>", "with --x-fragments: fraction of blocks written again, unchanged, in one more fragment", Number.parseFloat)
  .option("--x-no-duplicates", "create X with allows_duplicates = false (TileDB-SOMA's default: reads keep the newest cell)")
  .option("--x-consolidate", "consolidate X's fragments into one (and vacuum) after writing")
  .action(async (o) => {
    const preset = PRESETS[o.preset as keyof typeof PRESETS];
    if (!preset) throw new InvalidArgumentError(`--preset: unknown preset "${o.preset}"`);
    if (o.categorical !== "enumeration" && o.categorical !== "string") {
      throw new InvalidArgumentError(`--categorical: "${o.categorical}" is not one of enumeration, string`);
    }
    if (existsSync(o.out) && readdirSync(o.out).length > 0) throw new InvalidArgumentError(`--out: ${o.out} exists and is not empty`);
    const config = {
      ...preset,
      seed: o.seed,
      nCells: o.cells ?? preset.nCells,
      nGenes: o.genes ?? preset.nGenes,
      primaryFraction: o.primaryFraction ?? preset.primaryFraction,
      planted: o.plantedDe ? { genes: o.plantedDe, fold: o.plantedFold } : undefined,
    };
    if (config.planted && !(config.planted.fold > 1)) throw new InvalidArgumentError(`--planted-fold must be a number > 1, got ${o.plantedFold}`);
    const preLayout = PRESET_X_LAYOUTS[o.preset as keyof typeof PRESETS];
    const custom = o.xFragments !== undefined || o.xBlockCells !== undefined || o.xRewriteFraction !== undefined || o.xNoDuplicates || o.xConsolidate;
    const rewrite = o.xRewriteFraction ?? preLayout?.rewriteFraction ?? 0;
    if (!(rewrite >= 0 && rewrite <= 1)) throw new InvalidArgumentError(`--x-rewrite-fraction must be in [0, 1], got ${o.xRewriteFraction}`);
    const xLayout: XLayout | undefined =
      custom || preLayout
        ? {
            fragments: o.xFragments ?? preLayout?.fragments ?? 1,
            blockCells: o.xBlockCells ?? preLayout?.blockCells ?? 64,
            allowsDuplicates: o.xNoDuplicates ? false : (preLayout?.allowsDuplicates ?? true),
            rewriteFraction: rewrite,
            consolidate: Boolean(o.xConsolidate ?? preLayout?.consolidate),
          }
        : undefined;
    const start = Date.now();
    let lastLog = 0;
    const r = await writeExperiment({
      out: o.out,
      config,
      categorical: o.categorical as CategoricalLayout,
      xLayout,
      onChunk: (cells, nnz) => {
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          console.error(`${cells}/${config.nCells} cells, ${nnz} nonzeros, ${((Date.now() - start) / 1000).toFixed(0)} s`);
        }
      },
    });
    console.log(JSON.stringify({ ...r, seconds: (Date.now() - start) / 1000 }));
  });

program.parseAsync().catch((err: Error) => {
  console.error(`synth-census: ${err.message}`);
  process.exit(1);
});

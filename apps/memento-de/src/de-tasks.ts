/**
 * Task module run inside executor worker processes: one task is the DE of one chunk of features. A worker opens
 * the cube once (features and obs groups) and keeps it for its later tasks.
 */
import { type Cube, openCube } from "@census-cube/cube-writer";
import { type ChunkInput, type ChunkResult, computeChunk } from "./compute.js";

let opened: { uri: string; cube: Promise<Cube> } | null = null;

export async function deChunk(cubeUri: string, input: ChunkInput): Promise<ChunkResult> {
  if (opened?.uri !== cubeUri) opened = { uri: cubeUri, cube: openCube(cubeUri) };
  return computeChunk(await opened.cube, input);
}

import { type SpawnSyncReturns, spawnSync } from "node:child_process";

export interface RunCliOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin. */
  input?: string;
  /** Working directory (default: this process's). */
  cwd?: string;
}

/** Runs a built CLI (`node script ...args`) in a fresh process, as users run it; never throws on a non-zero exit. */
export function runCli(script: string, args: string[], options: RunCliOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...options.env },
    input: options.input,
    cwd: options.cwd,
    maxBuffer: 256 * 2 ** 20,
  });
}

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot } from "@census-cube/test-support";

export { freePort, repoRoot } from "@census-cube/test-support";

/** A tool installed by tools/scripts/setup.sh; a clear error (never a skip) when it is missing. */
export function installedTool(path: string, what: string): string {
  const full = resolve(repoRoot, path);
  if (!existsSync(full)) throw new Error(`${what} is not installed at ${full}: run \`npm run setup\` (tools/scripts/setup.sh installs it)`);
  return full;
}

/** Starts `cmd` and waits until `ready()` resolves true (polled), failing with the process's output if it exits. */
export async function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>, what: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => {
    output = (output + d).slice(-4000);
  });
  child.stderr?.on("data", (d) => {
    output = (output + d).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}: ${output}`);
    if (await ready().catch(() => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not start within 30 s: ${output}`);
}

/** Stops a started process and waits for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

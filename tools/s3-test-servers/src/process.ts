import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { repoRoot } from "@census-cube/test-support";

export { freePort, repoRoot } from "@census-cube/test-support";

/** A tool installed by tools/scripts/setup.sh; a clear error (never a skip) when it is missing. */
export function installedTool(path: string, what: string): string {
  const full = resolve(repoRoot, path);
  if (!existsSync(full)) throw new Error(`${what} is not installed at ${full}: run \`npm run setup\` (tools/scripts/setup.sh installs it)`);
  return full;
}

/**
 * Starts `cmd` and waits until `ready()` resolves true (polled), failing with the process's output if it exits.
 * Its output goes to an unlinked file, not a pipe: a pipe is drained only while this process's event loop runs, so
 * during any synchronous call (spawnSync of a CLI or of Python) a chatty server (moto logs every request) fills
 * it and blocks in write(2), holding its log lock, and every later request hangs.
 */
export async function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>, what: string): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), "server-output-"));
  const fd = openSync(join(dir, "output"), "w+");
  rmSync(dir, { recursive: true }); // the file lives while its descriptors do: nothing is left behind
  try {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", fd, fd] });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}: ${outputTail(fd)}`);
      if (await ready().catch(() => false)) return child;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    throw new Error(`${what} did not start within 30 s: ${outputTail(fd)}`);
  } finally {
    closeSync(fd);
  }
}

/** The last 4,000 bytes written to the output file `fd`. */
function outputTail(fd: number): string {
  const size = fstatSync(fd).size;
  const buf = Buffer.alloc(Math.min(size, 4000));
  readSync(fd, buf, 0, buf.length, size - buf.length);
  return buf.toString("utf8");
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

/**
 * moto's standalone S3 server (PyPI `moto[server]`, installed into the project's .venv by setup), started on a
 * free loopback port. Buckets and objects live in its memory and go with it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, installedTool, startProcess, stopProcess } from "./process.js";

export interface MotoServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  /** Credentials moto accepts while authentication is off (any are). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Creates a bucket (readable by anyone, unsigned, with `publicRead`). */
  createBucket(name: string, options?: { publicRead?: boolean }): Promise<void>;
  /** From now on every request must be signed by a key moto's IAM knows (none does: all are refused). */
  enforceAuth(): Promise<void>;
  /** Records requests (with their headers) from now on, forgetting earlier ones; `recorded()` returns them. */
  startRecording(): Promise<void>;
  /** Stops recording (what was recorded stays readable). */
  stopRecording(): Promise<void>;
  recorded(): Array<{ method: string; headers: Record<string, string>; url: string }>;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<MotoServer> {
  const bin = installedTool(".venv/bin/moto_server", "moto's S3 server (pip moto[server])");
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "moto-"));
  const recording = join(dir, "recording");
  const child = await startProcess(
    bin,
    ["-H", "127.0.0.1", "-p", String(port)],
    { MOTO_RECORDER_FILEPATH: recording },
    async () => (await fetch(`${endpoint}/moto-api/`)).ok,
    "moto_server",
  );
  const post = async (path: string, body?: string) => {
    const r = await fetch(`${endpoint}${path}`, { method: "POST", body });
    if (!r.ok) throw new Error(`moto ${path}: HTTP ${r.status}`);
  };
  return {
    endpoint,
    port,
    createBucket: async (name, options = {}) => {
      const headers: Record<string, string> = options.publicRead ? { "x-amz-acl": "public-read" } : {};
      const r = await fetch(`${endpoint}/${name}`, { method: "PUT", headers });
      if (!r.ok) throw new Error(`moto: creating bucket ${name}: HTTP ${r.status} ${await r.text()}`);
    },
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    enforceAuth: () => post("/moto-api/reset-auth", "0"),
    startRecording: async () => {
      await post("/moto-api/recorder/reset-recording");
      await post("/moto-api/recorder/start-recording");
    },
    stopRecording: () => post("/moto-api/recorder/stop-recording"),
    recorded: () =>
      readFileSync(recording, "utf8")
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l)),
    stop: async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

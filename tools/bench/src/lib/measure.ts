import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/** What one command cost: wall time and the peak resident memory of its whole process tree. */
export interface Measurement {
  label: string;
  command: string[];
  wallSeconds: number;
  peakRssBytes: number;
  exitCode: number;
  stdout: string;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sum of RSS over a process and all its descendants (worker processes count toward the peak). */
export function treeRss(root: number): number {
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rssBytes(pid);
    stack.push(...children(pid));
  }
  return total;
}

/** Runs a command to completion, sampling its process tree's memory every `sampleMs`. */
export function measure(label: string, command: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; sampleMs?: number } = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command[0], command.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    let peak = 0;
    const timer = setInterval(() => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRss(child.pid));
    }, opts.sampleMs ?? 50);
    child.on("error", (err) => {
      clearInterval(timer);
      reject(new Error(`${label}: cannot run ${command[0]}: ${err.message}`));
    });
    child.on("close", (code) => {
      clearInterval(timer);
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolve({ label, command, wallSeconds, peakRssBytes: peak, exitCode: code ?? -1, stdout });
    });
  });
}

/** The facts of this machine that a benchmark line needs beside its numbers. */
export function machineFacts(): { cpus: number; cpuModel: string; memoryGiB: number; node: string } {
  let cpuModel = "unknown";
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpuModel;
  } catch {
    /* not Linux */
  }
  const mem = /MemTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
  return {
    cpus: readdirSync("/sys/devices/system/cpu").filter((d) => /^cpu\d+$/.test(d)).length,
    cpuModel,
    memoryGiB: mem ? Math.round(Number(mem[1]) / 1024 / 1024) : 0,
    node: process.version,
  };
}

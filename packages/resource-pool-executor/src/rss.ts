import { readFileSync } from "node:fs";

/** Whether per-process resident memory can be read here (Linux /proc). */
export const canReadRss: boolean = process.platform === "linux";

/**
 * Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS, in kB), or null if the
 * process is gone. Read by the parent, so it works while the worker is stuck in a synchronous loop.
 */
export function readRssBytes(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch {
    return null;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

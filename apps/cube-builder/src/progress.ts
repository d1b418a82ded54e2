import { SingleBar } from "cli-progress";
import type { Logger } from "./logger.js";

export interface ProgressSnapshot {
  cellsDone: number;
  cellsTotal: number;
  batchesDone: number;
  batchesTotal: number;
  nnzDone: number;
}

/**
 * Build progress: a live bar (cells, batches, throughput, ETA) when stderr is a terminal,
 * otherwise a log line at most every `logEveryMs`, so CI logs and files stay readable.
 */
export class Progress {
  private readonly start = Date.now();
  private bar: SingleBar | null = null;
  private lastLog = 0;
  private state: ProgressSnapshot;

  constructor(
    private readonly log: Logger,
    cellsTotal: number,
    batchesTotal: number,
    private readonly opts: { tty?: boolean; logEveryMs?: number } = {},
  ) {
    this.state = { cellsDone: 0, cellsTotal, batchesDone: 0, batchesTotal, nnzDone: 0 };
    const tty = opts.tty ?? Boolean(process.stderr.isTTY);
    if (tty) {
      this.bar = new SingleBar({
        stream: process.stderr,
        format: "{bar} {percentage}% | cells {value}/{total} | batches {batches} | {rate} nnz/s | ETA {eta_formatted}",
        hideCursor: true,
        etaBuffer: 50,
      });
      this.bar.start(cellsTotal, 0, { batches: `0/${batchesTotal}`, rate: "0" });
    }
  }

  /** Records one finished batch. */
  batchDone(cells: number, nnz: number): void {
    const s = this.state;
    s.cellsDone += cells;
    s.batchesDone += 1;
    s.nnzDone += nnz;
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? Math.round(s.nnzDone / elapsed) : 0;
    if (this.bar) {
      this.bar.update(s.cellsDone, { batches: `${s.batchesDone}/${s.batchesTotal}`, rate: rate.toLocaleString("en-US") });
      return;
    }
    const now = Date.now();
    if (now - this.lastLog >= (this.opts.logEveryMs ?? 5000) || s.batchesDone === s.batchesTotal) {
      this.lastLog = now;
      const frac = s.cellsTotal > 0 ? s.cellsDone / s.cellsTotal : 1;
      const eta = frac > 0 ? (elapsed / frac - elapsed) : Number.NaN;
      this.log.info(
        { ...s, nnzPerSecond: rate, elapsedSeconds: Number(elapsed.toFixed(1)), etaSeconds: Number(eta.toFixed(1)) },
        `batches ${s.batchesDone}/${s.batchesTotal}, cells ${s.cellsDone}/${s.cellsTotal} (${(100 * frac).toFixed(1)}%), ${rate} nnz/s, ETA ${Number.isFinite(eta) ? eta.toFixed(0) : "?"} s`,
      );
    }
  }

  snapshot(): ProgressSnapshot {
    return { ...this.state };
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

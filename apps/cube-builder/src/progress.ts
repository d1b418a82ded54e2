import { SingleBar } from "cli-progress";
import type { Logger } from "./logger.js";
import { formatBytes } from "./size.js";

export interface ProgressSnapshot {
  cellsDone: number;
  cellsTotal: number;
  batchesDone: number;
  batchesTotal: number;
  nnzDone: number;
  /** Bytes the workers fetched from object storage (X on s3://); 0 for local X. */
  bytesFetched: number;
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
    this.state = { cellsDone: 0, cellsTotal, batchesDone: 0, batchesTotal, nnzDone: 0, bytesFetched: 0 };
    const tty = opts.tty ?? Boolean(process.stderr.isTTY);
    if (tty) {
      this.bar = new SingleBar({
        stream: process.stderr,
        format: "{bar} {percentage}% | cells {value}/{total} | batches {batches} | {rate} nnz/s{fetched} | ETA {eta_formatted}",
        hideCursor: true,
        etaBuffer: 50,
      });
      this.bar.start(cellsTotal, 0, { batches: `0/${batchesTotal}`, rate: "0", fetched: "" });
    }
  }

  /** Records one finished batch (`bytesFetched`: what its worker fetched from object storage). */
  batchDone(cells: number, nnz: number, bytesFetched = 0): void {
    const s = this.state;
    s.cellsDone += cells;
    s.batchesDone += 1;
    s.nnzDone += nnz;
    s.bytesFetched += bytesFetched;
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? Math.round(s.nnzDone / elapsed) : 0;
    const fetchRate = elapsed > 0 ? s.bytesFetched / elapsed : 0;
    const fetched = s.bytesFetched > 0 ? `, fetched ${formatBytes(s.bytesFetched)} at ${formatBytes(fetchRate)}/s` : "";
    if (this.bar) {
      this.bar.update(s.cellsDone, { batches: `${s.batchesDone}/${s.batchesTotal}`, rate: rate.toLocaleString("en-US"), fetched: fetched && ` | ${fetched.slice(2)}` });
      return;
    }
    const now = Date.now();
    if (now - this.lastLog >= (this.opts.logEveryMs ?? 5000) || s.batchesDone === s.batchesTotal) {
      this.lastLog = now;
      const frac = s.cellsTotal > 0 ? s.cellsDone / s.cellsTotal : 1;
      const eta = frac > 0 ? (elapsed / frac - elapsed) : Number.NaN;
      this.log.info(
        { ...s, nnzPerSecond: rate, bytesFetchedPerSecond: Math.round(fetchRate), elapsedSeconds: Number(elapsed.toFixed(1)), etaSeconds: Number(eta.toFixed(1)) },
        `batches ${s.batchesDone}/${s.batchesTotal}, cells ${s.cellsDone}/${s.cellsTotal} (${(100 * frac).toFixed(1)}%), ${rate} nnz/s${fetched}, ETA ${Number.isFinite(eta) ? eta.toFixed(0) : "?"} s`,
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

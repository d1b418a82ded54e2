/**
 * A full read of a SOMA X array with tiledb-ts: every cell, in bounded batches, counting nonzeros and the
 * rows that hold any. The tiledb-ts counterpart of python/read_x_full.py.
 *
 *   tsx src/read-x-tiledb-ts.ts <X-array-uri> [--budget-bytes N] [--s3-concurrency N]
 * (s3:// URIs: the AWS SDK's environment variables say where and how; --s3-concurrency sets the requests in flight)
 * Prints one JSON line: {"nnz": ..., "rows": ..., "seconds": ...}.
 */
import { column, configureS3, openArray, readBatches } from "@census-cube/tiledb-ts";

function usage(msg: string): never {
  console.error(`read-x-tiledb-ts: ${msg}\nusage: read-x-tiledb-ts <X-array-uri> [--budget-bytes N] [--s3-concurrency N]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let uri: string | undefined;
  let budget = 1 << 30;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--s3-concurrency") {
      const concurrency = Number(args[++i]);
      if (!Number.isInteger(concurrency) || concurrency < 1) usage(`--s3-concurrency must be a positive integer, got ${args[i]}`);
      configureS3({ concurrency });
    } else if (args[i] === "--budget-bytes") {
      budget = Number(args[++i]);
      if (!Number.isInteger(budget) || budget < 1 << 20) usage(`--budget-bytes must be an integer >= 1 MiB, got ${args[i]}`);
    } else if (uri === undefined) uri = args[i];
    else usage(`unexpected argument ${args[i]}`);
  }
  if (uri === undefined) usage("missing X array URI");
  const start = performance.now();
  const arr = await openArray(uri);
  const dim0 = arr.schema.dimensions[0];
  const lo = Number((dim0.domain as [bigint, bigint])[0]);
  // one byte per row seen so far: rows with any nonzero (grown by doubling; rows are at most a few million)
  let seen = new Uint8Array(1 << 16);
  let nnz = 0;
  // unordered, as Python tiledb reads sparse arrays by default ("U"): no merge of the fragments in global order
  for await (const batch of readBatches(arr, { columns: [dim0.name, "soma_data"], memoryBudget: budget, order: "unordered", reuseBuffers: true })) {
    const d0 = column(batch, dim0.name).data;
    // int64 row ids through their 32-bit words (no BigInt per cell)
    const words = d0.byteOffset % 4 === 0 ? new Int32Array(d0.buffer, d0.byteOffset, 2 * batch.length) : new Int32Array(d0.slice().buffer);
    for (let i = 0; i < batch.length; i++) {
      const r = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0) - lo;
      if (r >= seen.length) {
        const grown = new Uint8Array(Math.max(seen.length * 2, r + 1));
        grown.set(seen);
        seen = grown;
      }
      seen[r] = 1;
    }
    nnz += batch.length;
  }
  let rows = 0;
  for (let i = 0; i < seen.length; i++) rows += seen[i];
  console.log(JSON.stringify({ nnz, rows, seconds: (performance.now() - start) / 1000 }));
}

main().catch((err: Error) => {
  console.error(`read-x-tiledb-ts: ${err.message}`);
  process.exit(1);
});

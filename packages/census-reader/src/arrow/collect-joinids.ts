import type { RecordBatch } from "apache-arrow";

/** Concatenates the first (int64 joinid) column of a stream of batches into one array, in stream order. */
export async function collectJoinids(batches: AsyncIterable<RecordBatch>): Promise<BigInt64Array> {
  const parts: BigInt64Array[] = [];
  let n = 0;
  for await (const b of batches) {
    const d = b.getChildAt(0)!.data[0];
    const v = (d.values as BigInt64Array).subarray(d.offset, d.offset + d.length);
    parts.push(v);
    n += v.length;
  }
  const out = new BigInt64Array(n);
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}

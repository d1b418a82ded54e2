/**
 * The Hilbert mapping of sparse arrays with cell order "hilbert" (TileDB: misc/hilbert.h,
 * Dimension::map_to_uint64, HilbertCmp): each coordinate maps to a bucket of `bits = 63 / dims` bits, and cells
 * sort by the Hilbert value of their buckets, then row-major on ties. Reads (read/coords.ts) and writes
 * (write/global-order.ts) both order cells through this module.
 */

/** Bits per dimension for an array of `nDims` dimensions. */
export function hilbertBits(nDims: number): number {
  return Math.floor(63 / nDims);
}

/** Bucket of a number in the dimension's domain [lo, hi], scaled in float64 as TileDB does. */
export function numberBucket(v: number, lo: number, hi: number, bits: number): bigint {
  return BigInt(Math.floor(((v - lo) / (hi - lo)) * (2 ** bits - 1)));
}

/** Bucket of a string cell (`len` bytes at `start`): its first 8 bytes, big-endian, as TileDB reads them. */
export function stringBucket(bytes: Uint8Array, start: number, len: number, bits: number): bigint {
  let ret = 0n;
  for (let k = 0; k < 8; k++) {
    ret = (ret << 8n) & 0xffffffffffffffffn;
    if (k < len) {
      const b = bytes[start + k];
      // TileDB ORs a (signed) char widened to uint64: bytes >= 0x80 set every higher bit
      ret |= b >= 0x80 ? 0xffffffffffffff00n | BigInt(b) : BigInt(b);
    }
  }
  return ret >> BigInt(64 - bits);
}

/** The Hilbert value of n bucketed coordinates (Skilling's transpose, as TileDB computes it). */
export function hilbertValue(coords: bigint[], bits: number): bigint {
  const X = coords.slice();
  const n = X.length;
  for (let Q = 1n << BigInt(bits - 1); Q > 1n; Q >>= 1n) {
    const P = Q - 1n;
    if (X[0] & Q) X[0] ^= P;
    for (let i = 1; i < n; i++) {
      if (X[i] & Q) X[0] ^= P;
      else {
        const t = (X[0] ^ X[i]) & P;
        X[0] ^= t;
        X[i] ^= t;
      }
    }
  }
  for (let i = 1; i < n; i++) X[i] ^= X[i - 1];
  let t = X[n - 1];
  for (let i = 1; i < bits; i <<= 1) X[n - 1] ^= X[n - 1] >> BigInt(i);
  t ^= X[n - 1];
  for (let i = n - 2; i >= 0; i--) X[i] ^= t;
  let ret = 0n;
  let h = 1n;
  for (let j = 0; j < bits; j++) {
    const c = 1n << BigInt(j);
    for (let i = n - 1; i >= 0; i--, h <<= 1n) if (X[i] & c) ret |= h;
  }
  return ret;
}

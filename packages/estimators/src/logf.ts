/**
 * Natural log of a float32 as numpy's vectorised float32 `log` computes it (x86 AVX2/AVX512 builds): range
 * reduction to a mantissa in [sqrt(1/2), sqrt(2)), a 5th/5th-order rational approximation, then
 * `e·ln2 + P/Q`, all in float32 with fused multiply-adds. It differs from a correctly rounded log by up to a few
 * ulps, and the DE consumer's log-means go through it, so matching it keeps our results on the reference's.
 */

const f = Math.fround;
const buf = new DataView(new ArrayBuffer(4));

function bitsToFloat(bits: number): number {
  buf.setUint32(0, bits >>> 0);
  return buf.getFloat32(0);
}
function floatToBits(x: number): number {
  buf.setFloat32(0, x);
  return buf.getUint32(0);
}

const SQRT1_2 = bitsToFloat(0x3f3504f3);
const LN2 = bitsToFloat(0x3f317218);
const FLT_MIN = bitsToFloat(0x00800000);
const TWO_POW_100 = bitsToFloat(0x71800000);
const P = [0x00000000, 0x3f800000, 0x4007361c, 0x3fbd70a9, 0x3ec30333, 0x3cd42bcd].map(bitsToFloat);
const Q = [0x3f800000, 0x4027361c, 0x401cfe0d, 0x3f7c8ae4, 0x3e1e5bf3, 0x3bc083df].map(bitsToFloat);

/** float32 fused multiply-add: the product of two float32 values is exact in float64. */
function fma32(a: number, b: number, c: number): number {
  return f(a * b + c);
}

export function numpyLogf(input: number): number {
  const xin = f(input);
  if (Number.isNaN(xin)) return Number.NaN;
  if (xin < 0) return Number.NaN;
  if (xin === 0) return Number.NEGATIVE_INFINITY;
  if (xin === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const denormal = xin < FLT_MIN;
  const x0 = denormal ? f(xin * TWO_POW_100) : xin;
  const bits = floatToBits(x0);
  let e = (bits >>> 23) - 0x7e - (denormal ? 100 : 0);
  let m = bitsToFloat((bits & 0x7fffff) | (126 << 23));
  if (m <= SQRT1_2) {
    m = f(m + m);
    e -= 1;
  }
  const y = f(m - 1);
  let num = fma32(P[5], y, P[4]);
  num = fma32(num, y, P[3]);
  num = fma32(num, y, P[2]);
  num = fma32(num, y, P[1]);
  num = fma32(num, y, P[0]);
  let den = fma32(Q[5], y, Q[4]);
  den = fma32(den, y, Q[3]);
  den = fma32(den, y, Q[2]);
  den = fma32(den, y, Q[1]);
  den = fma32(den, y, Q[0]);
  return fma32(e, LN2, f(num / den));
}

/**
 * Summation orders that reproduce numpy's results bit for bit: the reference computes with numpy reductions,
 * and float32 sums in particular depend on the order of additions.
 */

const PW_BLOCKSIZE = 128;

/** numpy's pairwise sum of `a[start, start + n)` in float64 (what `np.sum` does for a contiguous float64 array). */
export function pairwiseSum64(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start];
    let r1 = a[start + 1];
    let r2 = a[start + 2];
    let r3 = a[start + 3];
    let r4 = a[start + 4];
    let r5 = a[start + 5];
    let r6 = a[start + 6];
    let r7 = a[start + 7];
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const p = start + i;
      r0 += a[p];
      r1 += a[p + 1];
      r2 += a[p + 2];
      r3 += a[p + 3];
      r4 += a[p + 4];
      r5 += a[p + 5];
      r6 += a[p + 6];
      r7 += a[p + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum64(a, start, n2) + pairwiseSum64(a, start + n2, n - n2);
}

const f = Math.fround;

/** numpy's pairwise sum with float32 accumulators (what `np.sum` does for a contiguous float32 array). */
export function pairwiseSum32(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + a[start + i]);
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = f(a[start]);
    let r1 = f(a[start + 1]);
    let r2 = f(a[start + 2]);
    let r3 = f(a[start + 3]);
    let r4 = f(a[start + 4]);
    let r5 = f(a[start + 5]);
    let r6 = f(a[start + 6]);
    let r7 = f(a[start + 7]);
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const p = start + i;
      r0 = f(r0 + a[p]);
      r1 = f(r1 + a[p + 1]);
      r2 = f(r2 + a[p + 2]);
      r3 = f(r3 + a[p + 3]);
      r4 = f(r4 + a[p + 4]);
      r5 = f(r5 + a[p + 5]);
      r6 = f(r6 + a[p + 6]);
      r7 = f(r7 + a[p + 7]);
    }
    let res = f(f(f(r0 + r1) + f(r2 + r3)) + f(f(r4 + r5) + f(r6 + r7)));
    for (; i < n; i++) res = f(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSum32(a, start, n2) + pairwiseSum32(a, start + n2, n - n2));
}

/** `np.rint`: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds halves up; move exact halves that landed on an odd integer back down.
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** `np.around(x, decimals)` for float64 scalars, same operation order as numpy. */
export function npAround(x: number, decimals: number): number {
  if (decimals >= 0) {
    const p = 10 ** decimals;
    return roundHalfEven(x * p) / p;
  }
  const p = 10 ** -decimals;
  return roundHalfEven(x / p) * p;
}

/** Compare strings by Unicode code point, as Python (and so pandas) sorts them. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      // A surrogate starts an astral character, whose code point is above every BMP character.
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa !== sb) return sa ? 1 : -1;
      return ca - cb;
    }
  }
  return a.length - b.length;
}

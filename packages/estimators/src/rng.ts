import binomial from "@stdlib/random-base-binomial";
import mt19937 from "@stdlib/random-base-mt19937";

/** Seeded random numbers for the bootstrap: a 32-bit Mersenne Twister and exact binomial draws over it. */
export interface BootstrapRng {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Binomial(n, p). */
  binomial(n: number, p: number): number;
}

export function createRng(seed: number): BootstrapRng {
  const mt = mt19937.factory({ seed: seed >>> 0 || 1 });
  // The factory's typings omit `normalized` (uniform doubles on [0, 1)), which the generator does provide.
  const uniform = (mt as unknown as { normalized: () => number }).normalized;
  const draw = binomial.factory({ prng: uniform });
  return {
    uniform: () => uniform(),
    binomial: (n: number, p: number) => (n === 0 || p <= 0 ? 0 : p >= 1 ? n : draw(n, p)),
  };
}

/**
 * Multinomial(n, p) into `out`, drawn as numpy does it: one binomial per category, conditioned on what is left.
 * `p` must sum to 1 (up to rounding).
 */
export function multinomial(rng: BootstrapRng, n: number, p: Float64Array, out: Float64Array): void {
  const k = p.length;
  out.fill(0);
  let left = n;
  let remaining = 1;
  for (let j = 0; j < k - 1; j++) {
    const q = remaining > 0 ? Math.min(1, Math.max(0, p[j] / remaining)) : 0;
    const x = rng.binomial(left, q);
    out[j] = x;
    left -= x;
    if (left <= 0) return;
    remaining -= p[j];
  }
  out[k - 1] = left;
}

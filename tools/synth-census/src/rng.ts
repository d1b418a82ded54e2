import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * Seeded random draws for the generator. Uniform bits come from pure-rand's xoroshiro128+; the
 * distributions the Census shape needs (normal, log-normal, gamma, Poisson, negative binomial,
 * weighted choice) are built on top, so one seed gives the same experiment on every machine.
 */
export class Rng {
  private readonly gen;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = (this.gen.next() >>> 5) >>> 0; // 27 bits
    const lo = (this.gen.next() >>> 6) >>> 0; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(t);
    return r * Math.cos(t);
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Gamma(shape, scale=1), Marsaglia & Tsang; shape < 1 by the boost u^(1/shape). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Poisson(lambda): multiplication method for small lambda, rounded normal approximation above 30. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /** Negative binomial with the given mean and dispersion (variance = mean + mean^2 / dispersion). */
  negativeBinomial(mean: number, dispersion: number): number {
    return this.poisson(this.gamma(dispersion) * (mean / dispersion));
  }
}

/** Draws indices 0..n-1 with fixed weights (cumulative table + binary search). */
export class WeightedChoice {
  private readonly cumulative: Float64Array;
  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) {
      s += weights[i];
      this.cumulative[i] = s;
    }
    if (!(s > 0)) throw new RangeError("WeightedChoice: weights must sum to more than zero");
  }
  get size(): number {
    return this.cumulative.length;
  }
  draw(rng: Rng): number {
    const c = this.cumulative;
    const x = rng.uniform() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf-like weights 1 / (rank + 1)^s, the skew of Census cell types, tissues and genes. */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 1 / (i + 1) ** s;
  return w;
}

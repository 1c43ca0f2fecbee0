import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * A seeded random source with the few distributions call traffic needs. Everything random in the
 * simulator is drawn from one of these, so the same seed plays the same traffic.
 */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform integer in [from, to]. */
  int(from: number, to: number): number;
  /** Exponential with the given rate (mean 1 / rate); the gap between two Poisson arrivals. */
  exponential(rate: number): number;
  /** Log-normal given its median and the standard deviation of its logarithm: skewed durations. */
  logNormal(median: number, sigma: number): number;
  /**
   * An independent stream for `label`, the same for the same seed and label whatever was drawn
   * before: adding a number to the dial plan does not change the traffic of the others.
   */
  fork(label: string): Random;
}

/** FNV-1a, 32 bits: turns a seed and a label into the seed of a forked stream. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function createRandom(seed: number | string): Random {
  const seedText = String(seed);
  const rng = xoroshiro128plus(typeof seed === 'number' && Number.isInteger(seed) ? seed | 0 : hash32(seedText));
  const uniform = () => uniformFloat64(rng);
  let spareNormal: number | null = null;
  const normal = () => {
    // Box–Muller gives two at a time; keep the second.
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    const u = 1 - uniform(); // (0, 1]: log(0) is not a number
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform,
    int: (from, to) => uniformInt(rng, from, to),
    exponential: (rate) => {
      if (!(rate > 0)) return Number.POSITIVE_INFINITY;
      return -Math.log(1 - uniform()) / rate;
    },
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
    fork: (label) => createRandom(`${seedText}/${label}`),
  };
}

import { getExampleNumber, isValidPhoneNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import type { Random } from './random.ts';

/** A mobile number of `country` in E.164: the country's example mobile number with its last six digits drawn. */
export function mobileNumber(random: Random, country: CountryCode): string {
  const example = getExampleNumber(country, examples) ?? getExampleNumber('FR', examples)!;
  const national = example.nationalNumber;
  const keep = national.slice(0, Math.max(1, national.length - 6));
  for (let attempt = 0; ; attempt++) {
    let digits = keep;
    while (digits.length < national.length) digits += String(random.int(0, 9));
    const number = `+${example.countryCallingCode}${digits}`;
    // A few countries' example ranges are narrow; after a few misses the example itself will do.
    if (isValidPhoneNumber(number)) return number;
    if (attempt >= 20) return example.number;
  }
}

/** The country callers of a line live in: that of the number they dial (France when it cannot tell). */
export function countryOf(dialled: string): CountryCode {
  return parsePhoneNumberFromString(dialled)?.country ?? 'FR';
}

export interface CallerPoolOptions {
  /** How many regular callers a tenant has. */
  regulars: number;
  /** Share of calls that come from a regular (the rest are first-time callers). */
  repeatShare: number;
}

export const defaultCallerPool: CallerPoolOptions = { regulars: 40, repeatShare: 0.35 };

/**
 * Who calls a tenant: a fixed pool of regulars, some much more often than others (the i-th regular
 * is chosen with weight 1 / (i + 1)), and first-time callers with fresh numbers. The pool comes from
 * its own stream, so it is the same whatever the traffic drew.
 */
export class CallerPool {
  readonly regulars: readonly string[];
  private readonly cumulative: number[];

  constructor(
    random: Random,
    private readonly country: CountryCode,
    private readonly options: CallerPoolOptions = defaultCallerPool,
  ) {
    const poolRandom = random.fork('regulars');
    const regulars = new Set<string>();
    for (let i = 0; regulars.size < options.regulars && i < options.regulars * 10; i++) regulars.add(mobileNumber(poolRandom, country));
    this.regulars = [...regulars];
    let total = 0;
    this.cumulative = this.regulars.map((_, i) => (total += 1 / (i + 1)));
  }

  /** The number of the next caller. */
  next(random: Random): { number: string; regular: boolean } {
    if (this.regulars.length && random.uniform() < this.options.repeatShare) {
      const target = random.uniform() * this.cumulative.at(-1)!;
      const index = this.cumulative.findIndex((c) => c > target);
      return { number: this.regulars[index === -1 ? this.regulars.length - 1 : index]!, regular: true };
    }
    return { number: mobileNumber(random, this.country), regular: false };
  }
}

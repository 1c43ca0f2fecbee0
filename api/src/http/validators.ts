import { z } from '@hono/zod-openapi';
import { findCardNumbers, redactCardNumbers } from '@switchboard/db/card-numbers';
import type { FieldCode } from './problem-codes.ts';
import { isFreeTextSchema, markFreeText, storableText, unstorableTextIssue } from './storable-text.ts';

export { isFreeTextSchema };

const supportedTimeZones = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const supportedCurrencies = new Set<string>(Intl.supportedValuesOf('currency'));

function isTimeZone(value: string): boolean {
  if (supportedTimeZones.has(value)) return true;
  try {
    // Accepts canonical aliases the list leaves out (e.g. Europe/Kiev), rejects anything else.
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone.length > 0 && value.includes('/');
  } catch {
    return false;
  }
}

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1 && Intl.DateTimeFormat.supportedLocalesOf([value]).length === 1;
  } catch {
    return false;
  }
}

/** A refinement's options: its English message and its field code (problem-codes.ts), with params. */
export const coded = (code: FieldCode, message: string, params: Record<string, string | number> = {}) => ({ message, params: { code, ...params } });

/** The codes of the patterns below, by their source: a regex issue carries its pattern, not its meaning. */
const patternCodes = new Map<string, FieldCode>();
export function codedPattern(pattern: RegExp, code: FieldCode): RegExp {
  patternCodes.set(String(pattern), code);
  return pattern;
}
export const patternCode = (pattern: string): FieldCode | undefined => patternCodes.get(pattern);

export const TimeZoneSchema = z
  .string()
  .refine(isTimeZone, coded('time_zone', 'Use an IANA time zone such as Europe/Paris.'))
  .openapi({ example: 'Europe/Paris' });

export const LocaleSchema = z
  .string()
  .refine(isLocale, coded('locale', 'Use a BCP 47 locale such as fr-FR.'))
  .openapi({ example: 'fr-FR' });

export const CurrencySchema = z
  .string()
  .refine((v) => supportedCurrencies.has(v), coded('currency', 'Use an ISO 4217 currency code such as EUR.'))
  .openapi({ example: 'EUR' });

export const SlugSchema = z
  .string()
  .regex(codedPattern(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'slug'), 'Use 1–40 lowercase letters, digits and inner hyphens.')
  .openapi({ example: 'pizza-napoli' });


/** What an operator is skilled for: the call-center functions they may serve a tenant in. */
export const SkillSchema = z
  .string()
  .regex(codedPattern(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'skill'), 'Use lowercase letters, digits, - and _ (up to 40).')
  .openapi({ example: 'order_taking' });


/**
 * Every string a request body may carry that is text a person typed goes through one of the helpers
 * below (marked as such: tests/free-text.test.ts fails on a body string that is neither free text nor
 * structured), so a new field cannot forget the card-number rule.
 */
const text = (max: number) => markFreeText(z.string().trim().max(max, `Use at most ${max} characters.`).refine(storableText, unstorableTextIssue));

/**
 * Text a person typed, up to `max` characters, that the database can store (refused otherwise, a 400
 * naming the field), trimmed, and with any payment card number in it — however disguised — replaced by
 * its last four digits before anything is stored (PCI DSS), whatever the tenant's rules.
 */
export const typedText = (max: number) => text(max).transform((value) => redactCardNumbers(value));

/** typedText that may not be empty. */
export const requiredText = (max: number, message: string) => typedText(max).pipe(z.string().min(1, message));

/**
 * An identifier a person typed (an account number, a payment reference): redacting would silently
 * destroy it, so one holding a card number is refused, a 400 naming the field, and the operator knows.
 */
export const typedIdentifier = (max: number) =>
  markFreeText(
    text(max).refine(
      (value) => findCardNumbers(value).length === 0,
      coded('card_number', 'This looks like a payment card number: card numbers are never stored. Leave it out.'),
    ),
  );

export const DisplayNameSchema = requiredText(120, 'Enter a name.').openapi({ example: 'Marie Dupont' });

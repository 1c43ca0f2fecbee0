import { z } from '@hono/zod-openapi';
import { storableText, unstorableTextMessage } from './storable-text.ts';

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

export const TimeZoneSchema = z
  .string()
  .refine(isTimeZone, { message: 'Use an IANA time zone such as Europe/Paris.' })
  .openapi({ example: 'Europe/Paris' });

export const LocaleSchema = z
  .string()
  .refine(isLocale, { message: 'Use a BCP 47 locale such as fr-FR.' })
  .openapi({ example: 'fr-FR' });

export const CurrencySchema = z
  .string()
  .refine((v) => supportedCurrencies.has(v), { message: 'Use an ISO 4217 currency code such as EUR.' })
  .openapi({ example: 'EUR' });

export const SlugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'Use 1–40 lowercase letters, digits and inner hyphens.')
  .openapi({ example: 'pizza-napoli' });

// NUL bytes and other control characters would reach PostgreSQL as a 500 (invitations, staff, onboarding).
export const DisplayNameSchema = z.string().trim().min(1, 'Enter a name.').max(120).refine(storableText, unstorableTextMessage).openapi({ example: 'Marie Dupont' });

/** What an operator is skilled for: the call-center functions they may serve a tenant in. */
export const SkillSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'Use lowercase letters, digits, - and _ (up to 40).')
  .openapi({ example: 'order_taking' });


/** Text a person typed, up to `max` characters, that the database can store: refused (400 naming the field) otherwise. */
export const typedText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .refine(storableText, unstorableTextMessage);

import { sql, type RawBuilder } from 'kysely';

/**
 * The PostgreSQL text-search configuration for a tenant's locale. PostgreSQL 15 and PGlite (18) both
 * ship all six (checked in pg_ts_config); any other language is searched with `simple` (no stemming).
 */
const configByLanguage: Record<string, string> = {
  fr: 'french',
  de: 'german',
  ru: 'russian',
  en: 'english',
  es: 'spanish',
  it: 'italian',
};

/** One locale per configuration searchConfigName can answer (`und`, undetermined, for `simple`): every configuration a row can carry. */
export function searchConfigLocales(): string[] {
  return [...Object.keys(configByLanguage), 'und'];
}

export function searchConfigName(locale: string): string {
  const language = locale.split(/[-_]/)[0]?.toLowerCase() ?? '';
  return configByLanguage[language] ?? 'simple';
}

/** The regconfig to store on a row; a configuration this server lacks falls back to `simple` here, in SQL. */
export function searchConfigFor(locale: string): RawBuilder<string> {
  const name = searchConfigName(locale);
  return sql<string>`coalesce((select oid::regconfig from pg_ts_config where cfgname = ${name}), 'simple'::regconfig)`;
}

/** Today's date (YYYY-MM-DD) on the tenant's wall clock. */
export function todayIn(timeZone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * The one set of formatting helpers of the web app: dates, times, numbers, money and durations through
 * `Intl` in the viewer's language (the interface language, `currentLanguage()`); money in the
 * tenant's currency; times in the zone the caller names (a tenant's IANA zone is always explicit).
 * Every page formats through these, so "9,50" is read the same way everywhere.
 */
import { callFunctions } from '@switchboard/db/call-functions';
import { languageOf } from '@switchboard/db/languages';
import { currentLanguage, t } from './i18n/index.ts';

/**
 * The Intl locale of the viewer: the interface language, in the browser's own variant of it when it
 * has one (an en-GB browser reads "5 Dec 2026", a de-AT one Austrian dates), else the language.
 */
export function viewerLocale(): string {
  const language = currentLanguage();
  const tags = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language];
  return tags.find((tag) => languageOf(tag) === language) ?? language;
}

/** The viewer's own IANA zone (the browser's). */
export function viewerZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * Intl formatters made once per locale and options, not once per value: a list of a hundred rows
 * formats hundreds of cells, and making a formatter costs far more than using it.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let made = numberFormats.get(key);
  if (!made) numberFormats.set(key, (made = new Intl.NumberFormat(locale, options)));
  return made;
}
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let made = dateFormats.get(key);
  if (!made) dateFormats.set(key, (made = new Intl.DateTimeFormat(locale, options)));
  return made;
}

function valid(iso: string | Date): Date | null {
  const d = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

function format(date: Date, options: Intl.DateTimeFormatOptions): string {
  try {
    return dateFormat(viewerLocale(), options).format(date);
  } catch {
    // an unknown zone: say so rather than show another zone's time
    return '—';
  }
}

/** "Sat 14:05" (the weekday and time now in a zone), for clocks. */
export function localTime(now: Date, timeZone: string): string {
  return format(now, { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

/** "GMT+1" for a zone at an instant. */
export function utcOffset(now: Date, timeZone: string): string {
  try {
    const part = dateFormat(viewerLocale(), { timeZone, timeZoneName: 'shortOffset' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

/** "5 déc. 2026, 14:05" in the given zone (the browser's when none is named). */
export function dateTime(iso: string | Date, timeZone?: string): string {
  const d = valid(iso);
  return d ? format(d, { timeZone, dateStyle: 'medium', timeStyle: 'short' }) : String(iso);
}

/** "5 déc. 2026" in the given zone. */
export function date(iso: string | Date, timeZone?: string): string {
  const d = valid(iso);
  return d ? format(d, { timeZone, dateStyle: 'medium' }) : String(iso);
}

/** "14:05" in the given zone. */
export function time(iso: string | Date, timeZone?: string): string {
  const d = valid(iso);
  return d ? format(d, { timeZone, hour: '2-digit', minute: '2-digit' }) : String(iso);
}

/** A calendar day 'YYYY-MM-DD' as "5 déc. 2026" (no zone to apply). */
export function day(value: string, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
  const [y, m, d] = value.split('-').map(Number);
  if (!y || !m || !d) return value;
  return format(new Date(Date.UTC(y, m - 1, d)), { ...options, timeZone: 'UTC' });
}

/**
 * A time in the zone the page names, with the viewer's own beside it where they differ:
 * `{ text: '5 déc. 2026, 14:05', viewer: '13:05' }`; `viewer` is null when both zones agree.
 */
export function dateTimeInZones(iso: string | Date, timeZone: string): { text: string; viewer: string | null } {
  const d = valid(iso);
  if (!d) return { text: String(iso), viewer: null };
  const text = dateTime(d, timeZone);
  const mine = viewerZone();
  if (mine === timeZone || utcOffset(d, mine) === utcOffset(d, timeZone)) return { text, viewer: null };
  return { text, viewer: dateTime(d, mine) };
}

/** A number in the viewer's language: 1234.5 → "1 234,5" (fr), "1.234,5" (de). */
export function number(value: number, options: Intl.NumberFormatOptions = {}): string {
  return numberFormat(viewerLocale(), options).format(value);
}

/** A share 0..1 as "87 %" / "87%". */
export function percent(share: number, fractionDigits = 0): string {
  return numberFormat(viewerLocale(), { style: 'percent', maximumFractionDigits: fractionDigits, minimumFractionDigits: fractionDigits }).format(share);
}

/** The currency's own number of decimals (2 for EUR, 0 for JPY, 3 for KWD), as Intl knows it. */
export function fractionDigits(currency: string): number {
  try {
    return numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units in the tenant's currency, written in the viewer's language: 123456 EUR → "1 234,56 €" (fr), "€1,234.56" (en). */
export function money(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  try {
    return numberFormat(viewerLocale(), { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** A chart axis tick: no trailing zeros ("12 €", "2,5 €"). */
export function moneyTick(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  try {
    return numberFormat(viewerLocale(), { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return String(minor);
  }
}

/** The viewer's decimal separator ("," in fr and de). */
export function decimalSeparator(): string {
  return numberFormat(viewerLocale()).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/** Minor units as the text a money input starts with, in the viewer's way: 950 EUR → "9,50" (fr), "9.50" (en); no grouping. */
export function moneyInput(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  return (minor / 10 ** digits).toFixed(digits).replace('.', decimalSeparator());
}

/**
 * An amount as a person types it, in minor units; null when it is not a plain amount. Accepts the
 * viewer's way and the international one alike: "9,50", "9.50", "1 234,50", "1.234,50" (de),
 * "1,234.50" (en). A lone separator followed by exactly three digits is read as the viewer's
 * grouping ("1.234" is 1234 in German, "1,234" is 1234 in English) unless it is the viewer's decimal
 * separator; more decimals than the currency has are refused.
 */
export function parseMoney(text: string, currency: string): number | null {
  const digits = fractionDigits(currency);
  let s = text.trim().replace(/[\s\u00a0\u202f']/g, '');
  const negative = s.startsWith('-');
  if (negative) s = s.slice(1);
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s)) return null;
  const marks = [...s].filter((c) => c === '.' || c === ',');
  let decimal: string | null = null;
  if (marks.length) {
    const last = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
    const mixed = marks.some((m) => m !== last);
    if (mixed) decimal = last;
    else if (marks.length > 1) decimal = null; // "1.234.567" or "1,234,567": grouping only
    else {
      const after = s.length - s.indexOf(last) - 1;
      decimal = after === 3 && last !== decimalSeparator() && digits < 3 ? null : last;
    }
  }
  let whole = s;
  let fraction = '';
  if (decimal) {
    const at = s.lastIndexOf(decimal);
    whole = s.slice(0, at);
    fraction = s.slice(at + 1);
    if (/[.,]/.test(fraction)) return null;
  }
  const groups = whole.split(/[.,]/);
  // grouping marks, if any, cut the whole part in threes
  if (groups.length > 1 && (groups.slice(1).some((g) => g.length !== 3) || !groups[0] || groups[0].length > 3)) return null;
  const wholeDigits = groups.join('');
  if (fraction.length > digits) return null;
  const minor = Number(wholeDigits) * 10 ** digits + (digits ? Number(fraction.padEnd(digits, '0')) : 0);
  if (!Number.isSafeInteger(minor)) return null;
  return negative ? -minor : minor;
}

/** A duration in seconds as "2 h 05 min", "12 min 30 s", "45 s" in the viewer's language. */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const unit = (value: number, u: 'hour' | 'minute' | 'second') =>
    numberFormat(viewerLocale(), { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  if (h) return `${unit(h, 'hour')} ${unit(m, 'minute')}`;
  if (m) return s ? `${unit(m, 'minute')} ${unit(s, 'second')}` : unit(m, 'minute');
  return unit(s, 'second');
}

/** A timer "4:05" / "1:02:03". */
export function clock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "3 items" with the language's plural rules: the message has `one | other` forms, see vue-i18n. */
export function count(key: string, n: number): string {
  return t(key, { n: number(n) }, n);
}

/** A list "A, B and C" / "A, B et C" in the viewer's language. */
export function list(items: string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  return new Intl.ListFormat(viewerLocale(), { style: 'long', type }).format(items);
}

/** `member.invited` → `Member invited`: the last resort for a code with no translation. */
export function actionLabel(action: string): string {
  const text = action.replace(/[._]/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A call-center function (DESIGN.md) in the viewer's language: `order_taking` → "Prise de commande". */
export function functionLabel(id: string): string {
  const key = `functions.${id}.label`;
  const text = t(key);
  return text === key ? actionLabel(id) : text;
}

/** What a function covers, in the viewer's language. */
export function functionDescription(id: string): string {
  const key = `functions.${id}.description`;
  const text = t(key);
  return text === key ? '' : text;
}

export const skillLabel = functionLabel;

/** The functions a tenant can delegate, as options in the viewer's language (call it where it renders). */
export function knownSkills() {
  return callFunctions.map((f) => ({ value: f.id, label: functionLabel(f.id), direction: f.direction }));
}

/** Where a script's transfer step sends the call, in words: "a Complaints specialist", "Fraud desk (+4969…)", "Fraud desk (directory)". */
export function transferDestinationLabel(to: import('@switchboard/api/scripts').TransferStep['to'], ownTeam = t('transfer.ownTeam')): string {
  if (to.kind === 'skill') return t('transfer.specialist', { skill: skillLabel(to.skill) });
  if (to.kind === 'directory') return to.entry;
  return `${to.label || ownTeam}${to.phone ? ` (${to.phone})` : ''}`;
}

/** A weekday by its index, 0 = Monday … 6 = Sunday, in the viewer's language: "lundi", or "lun." with 'short'. */
export function weekdayName(index: number, style: 'long' | 'short' = 'long'): string {
  // 1 January 2024 was a Monday
  return format(new Date(Date.UTC(2024, 0, 1 + (((index % 7) + 7) % 7))), { weekday: style, timeZone: 'UTC' });
}

/** The first day of the viewer's week, 0 = Monday … 6 = Sunday: Intl's week info where the browser has it, else Monday. */
export function firstDayOfWeek(): number {
  try {
    const locale = new Intl.Locale(viewerLocale()) as Intl.Locale & { getWeekInfo?: () => { firstDay: number }; weekInfo?: { firstDay: number } };
    const firstDay = (locale.getWeekInfo?.() ?? locale.weekInfo)?.firstDay;
    return firstDay ? (firstDay + 6) % 7 : 0;
  } catch {
    return 0;
  }
}

/** The calendar day 'YYYY-MM-DD' an instant falls on in a zone, the viewer's when none is named (not for display: for date inputs, to compare or pass on). */
export function calendarDay(iso: string | Date, timeZone?: string): string {
  const d = valid(iso);
  if (!d) return String(iso);
  try {
    const parts = dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')}`;
  } catch {
    return d.toISOString().slice(0, 10);
  }
}

/** A currency's name in the viewer's language: "EUR" → "euro" (fr), "Euro" (de); the code when Intl does not know it. */
export function currencyName(code: string): string {
  return displayName('currency', code) ?? code;
}

/** A language or locale's name in the viewer's language: "fr-FR" → "French (France)", "français (France)". */
export function languageName(tag: string): string {
  return displayName('language', tag) ?? tag;
}

/**
 * A language, region or currency named in the viewer's language through `Intl.DisplayNames`:
 * `displayName('language', 'de-AT')` → "allemand (Autriche)" (fr); null when Intl does not know it.
 */
export function displayName(type: 'language' | 'region' | 'currency', code: string): string | null {
  try {
    const name = new Intl.DisplayNames([viewerLocale()], { type, fallback: 'none' }).of(code);
    return name && name !== code ? name : null;
  } catch {
    return null;
  }
}

/**
 * A label ("Order taking", "Handled minutes") inside a sentence: lower-case first letter in English,
 * French and Russian; as written in German, whose nouns keep their capital.
 */
export function midSentence(label: string): string {
  return currentLanguage() === 'de' ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

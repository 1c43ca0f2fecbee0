/**
 * Dates a person types, in their own order: "05/12/2026" in French, "05.12.2026" in German, "12/05/2026"
 * in American English. A native `<input type="date">` shows the browser's format, not the page's
 * language (a French interface in an English browser read mm/dd/yyyy), so DateField.vue writes and reads
 * the text itself through these, in the viewer's locale (format.ts: viewerLocale), and keeps the value
 * as the API reads it: `YYYY-MM-DD`.
 */

export type DatePart = 'day' | 'month' | 'year';
/** The order of a locale's numeric date and what stands between its parts: fr → day "/" month "/" year. */
export interface DatePattern {
  order: DatePart[];
  separators: string[];
}

const patterns = new Map<string, DatePattern>();

export function datePattern(locale: string): DatePattern {
  let known = patterns.get(locale);
  if (known) return known;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 11, 5)));
  } catch {
    parts = new Intl.DateTimeFormat('en', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 11, 5)));
  }
  const order: DatePart[] = [];
  const separators: string[] = [];
  for (const part of parts) {
    if (part.type === 'day' || part.type === 'month' || part.type === 'year') order.push(part.type);
    else if (part.type === 'literal' && order.length > 0 && order.length < 3) separators.push(part.value.replace(/\u200f|\u200e/g, ''));
  }
  known = order.length === 3 ? { order, separators: separators.length === 2 ? separators : ['/', '/'] } : { order: ['day', 'month', 'year'], separators: ['/', '/'] };
  patterns.set(locale, known);
  return known;
}

/** What the field shows when empty, in the language's own letters: "jj/mm/aaaa", "TT.MM.JJJJ". */
export function datePlaceholder(locale: string, letters: Record<DatePart, string>): string {
  const { order, separators } = datePattern(locale);
  return order.map((part, i) => letters[part] + (separators[i] ?? '')).join('');
}

/** `2026-12-05` as the locale writes it ("05/12/2026"); empty for no date, the text itself for one that is not a date. */
export function formatDateInput(iso: string, locale: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  const values: Record<DatePart, string> = { year: match[1]!, month: match[2]!, day: match[3]! };
  const { order, separators } = datePattern(locale);
  return order.map((part, i) => values[part] + (separators[i] ?? '')).join('');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * What a person typed, as `YYYY-MM-DD`: three numbers in the locale's order, whatever separates them
 * ("5/12/2026", "05.12.2026", "05 12 2026"), or an ISO date pasted as is. '' for nothing typed; null for
 * text that is not a date of the calendar (31/02/2026, 2026 alone).
 */
export function parseDateInput(text: string, locale: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) return '';
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(trimmed);
  let year: number;
  let month: number;
  let day: number;
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else {
    const groups = trimmed.split(/[^\d]+/).filter(Boolean);
    if (groups.length !== 3 || groups.some((g) => g.length > 4)) return null;
    const { order } = datePattern(locale);
    const value = (part: DatePart) => groups[order.indexOf(part)]!;
    if (value('year').length !== 4 || value('day').length > 2 || value('month').length > 2) return null;
    [year, month, day] = [Number(value('year')), Number(value('month')), Number(value('day'))];
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1000 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

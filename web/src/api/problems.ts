/**
 * The words of the API's problems in the reader's language. The API answers a stable `code` (and the
 * `params` its message names) beside its English `title`, `detail` and `errors[].message`
 * (api/src/http/problem-codes.ts); here a code becomes `problems.<code>.title|detail` and a field error
 * `validation.<code>`. English readers get the API's own English, which names the exact case; a code
 * with no translation (a newer API, an uncoded `invalid`) falls back to it too.
 */
import type { FieldCode, ProblemCode } from '@switchboard/api/problem-codes';
import { currentLanguage, i18n, t } from '../i18n/index.ts';
import { list, number } from '../format.ts';

export type { FieldCode, ProblemCode };
export type ProblemParams = Record<string, unknown>;

/** Params as a message shows them: numbers in the reader's format, lists as "A, B et C". */
function shown(params: ProblemParams | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    if (typeof value === 'number') out[key] = number(value);
    else if (Array.isArray(value)) out[key] = list(value.map(String));
    else out[key] = String(value);
  }
  return out;
}

/** The message at `key` in the interface language, or undefined when that language has none. */
function translated(key: string, params: ProblemParams | undefined): string | undefined {
  const language = currentLanguage();
  if (!i18n.global.te(key, language)) return undefined;
  return t(key, shown(params));
}

/** A problem's title or detail for the reader; `english` is the API's. */
export function problemText(code: string | undefined, part: 'title' | 'detail', english: string | undefined, params?: ProblemParams): string | undefined {
  if (!code || (currentLanguage() === 'en' && english !== undefined)) return english;
  return translated(`problems.${code}.${part}`, params) ?? english;
}

const sized = new Set(['string', 'array', 'number', 'set', 'file', 'date']);

/** The key of a field error's message: zod's size and format codes read by origin and format. */
export function validationKey(code: string, params: ProblemParams = {}): string {
  if (code === 'too_small' || code === 'too_big') {
    const origin = typeof params.origin === 'string' && sized.has(params.origin) ? params.origin : 'other';
    return `validation.${code}.${origin === 'set' || origin === 'file' ? 'other' : origin}`;
  }
  if (code === 'invalid_format') {
    const format = `validation.invalid_format.${String(params.format ?? '')}`;
    return i18n.global.te(format, 'en') ? format : 'validation.invalid_format.other';
  }
  return `validation.${code}`;
}

/** One field error's message for the reader; the API's English for English readers and uncoded errors. */
export function fieldErrorText(error: { code?: string; params?: ProblemParams; message: string }): string {
  if (!error.code || error.code === 'invalid' || currentLanguage() === 'en') return error.message;
  return translated(validationKey(error.code, error.params), error.params) ?? error.message;
}

/** A client-side check's message by its code, like the API's for the same rule. */
export function validationMessage(code: FieldCode, params?: ProblemParams): string {
  return t(validationKey(code, params), shown(params));
}

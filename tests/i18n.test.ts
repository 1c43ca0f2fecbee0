import { describe, expect, it } from 'vitest';
import { languages } from '@switchboard/db';
import { walkProblemCodes } from '@switchboard/api/scripts';
import { findUntranslated, flatten, isProse, keysUsed, placeholders, readLocale } from './support/i18n-scan.ts';

/**
 * The translation files (web/src/locales/<language>.json, one per language, English the source) are
 * complete and agree with the code: a key missing in a language, a placeholder a translation lost, a
 * key the code asks for that no file has, or words written outside the files fail here.
 */
const english = flatten(readLocale('en'));

describe('translation files', () => {
  for (const language of languages.filter((l) => l !== 'en')) {
    it(`${language} has every English key, and no other`, () => {
      const other = flatten(readLocale(language));
      const missing = [...english.keys()].filter((k) => !other.has(k));
      const extra = [...other.keys()].filter((k) => !english.has(k));
      expect(missing, `keys missing in ${language}.json`).toEqual([]);
      expect(extra, `keys in ${language}.json that English does not have`).toEqual([]);
    });

    it(`${language} keeps every placeholder and plural form of the English message`, () => {
      const other = flatten(readLocale(language));
      const wrong: string[] = [];
      for (const [key, message] of english) {
        const translated = other.get(key);
        if (translated === undefined) continue;
        if (placeholders(message).join() !== placeholders(translated).join()) wrong.push(`${key}: {${placeholders(message)}} vs {${placeholders(translated)}}`);
        const forms = (m: string) => m.split(/\s\|\s/).length;
        if (forms(message) > 1 && forms(translated) < 2) wrong.push(`${key}: plural forms lost`);
        if (!translated.trim() && message.trim()) wrong.push(`${key}: empty`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('has every key the code names', () => {
    const unknown = keysUsed()
      .filter((use) => !english.has(use.text) && ![...english.keys()].some((k) => k.startsWith(`${use.text}.`)))
      .map((use) => `${use.file}:${use.line} ${use.text}`);
    expect(unknown).toEqual([]);
  });

  it("words every refusal of the script walker (the desk's and the preview's answers)", () => {
    expect(walkProblemCodes.filter((code) => !english.has(`scriptRun.problems.${code}`))).toEqual([]);
  });

  it('leaves no user-visible words outside the translation files', () => {
    const found = findUntranslated().map((f) => `${f.file}:${f.line} ${f.text}`);
    expect(found, 'run `pnpm i18n:check` for the list').toEqual([]);
  });
});

describe('the words-outside-translations check', () => {
  it('tells prose from code', () => {
    for (const text of ['Save changes', 'Paid', 'Enter a price.', 'The caller hung up.', 'Saved ${n} rows.']) expect(isProse(text), text).toBe(true);
    for (const text of ['badge badge-success', 'common.save', 'Enter', 'Europe/Paris', '/api/me', 'application/json', 'a > b', 'x-y z']) expect(isProse(text), text).toBe(false);
  });
});

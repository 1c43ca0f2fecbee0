/**
 * The interface's language: vue-i18n over one file per language in `src/locales/` (a translator edits
 * those files and nothing else). English is the source and the fallback; a person's language is a
 * setting of their account (GET /api/me `user.language`), their browser's until they choose.
 */
import { createI18n } from 'vue-i18n';
import { languageOf, languages, type Language } from '@switchboard/db/languages';
import en from '../locales/en.json' with { type: 'json' };
import fr from '../locales/fr.json' with { type: 'json' };
import de from '../locales/de.json' with { type: 'json' };
import ru from '../locales/ru.json' with { type: 'json' };

export type MessageSchema = typeof en;
export { languages, type Language };

const chosenKey = 'switchboard.language';

/** The browser's first language the product speaks; English when none. */
export function browserLanguage(): Language {
  const tags = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language];
  for (const tag of tags) {
    const language = languageOf(tag);
    if (language) return language;
  }
  return 'en';
}

/** Before login: the language last chosen on this browser, else the browser's. */
function initialLanguage(): Language {
  try {
    return languageOf(localStorage.getItem(chosenKey)) ?? browserLanguage();
  } catch {
    return browserLanguage();
  }
}

/**
 * Plural messages list their forms with ` | `: two (one | other), three (zero | one | other) or, for
 * Russian, four (zero | one | few | many). The form is chosen by the language's own rules
 * (Intl.PluralRules): French says "0 appel", Russian "2 звонка", "5 звонков".
 */
function pluralRule(language: Language) {
  const rules = new Intl.PluralRules(language);
  return (choice: number, choicesLength: number): number => {
    const category = rules.select(Math.abs(choice));
    if (choicesLength >= 4) return choice === 0 ? 0 : category === 'one' ? 1 : category === 'few' ? 2 : 3;
    if (choicesLength === 3) return choice === 0 ? 0 : category === 'one' ? 1 : 2;
    return category === 'one' ? 0 : 1;
  };
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: initialLanguage(),
  fallbackLocale: 'en',
  messages: { en, fr, de, ru } as Record<Language, MessageSchema>,
  pluralRules: Object.fromEntries(languages.map((l) => [l, pluralRule(l)])),
  // English is the fallback by design (Russian is partial): no console noise for it.
  missingWarn: false,
  fallbackWarn: false,
});

/** The interface language now. */
export function currentLanguage(): Language {
  return i18n.global.locale.value as Language;
}

/** Switches the interface (and `<html lang>`); remembered on this browser for the login page. */
export function setLanguage(language: Language): void {
  i18n.global.locale.value = language;
  if (typeof document !== 'undefined') document.documentElement.lang = language;
  try {
    localStorage.setItem(chosenKey, language);
  } catch {
    // private mode: the account setting still holds it
  }
}

/** `t` outside components (labels modules, composables). */
export const t = i18n.global.t;

/**
 * A word in a given language, not the interface's: the desk shows a client's script chrome
 * ("Yes", "No", "Next") in the language the client's script is written in.
 */
export function tIn(language: string | null | undefined, key: string, params: Record<string, unknown> = {}): string {
  return i18n.global.t(key, params, { locale: languageOf(language) ?? 'en' });
}

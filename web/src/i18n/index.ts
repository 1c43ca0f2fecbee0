/**
 * The interface's language: vue-i18n over one file per language in `src/locales/` (a translator edits
 * those files and nothing else). English is the source and the fallback; a person's language is a
 * setting of their account (GET /api/me `user.language`), their browser's until they choose.
 */
import { ref } from 'vue';
import { createI18n } from 'vue-i18n';
import { languageOf, languages, type Language } from '@switchboard/db/languages';
import en from '../locales/en.json' with { type: 'json' };

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

/**
 * English ships with the app (it is the fallback); another language's file is fetched the first time
 * it is needed, so a page carries one or two languages, not four.
 */
const loaders: Record<Exclude<Language, 'en'>, () => Promise<{ default: unknown }>> = {
  fr: () => import('../locales/fr.json'),
  de: () => import('../locales/de.json'),
  ru: () => import('../locales/ru.json'),
};
const loaded = new Set<Language>(['en']);
const loading = new Map<Language, Promise<void>>();
/** Bumped when a language arrives: words read through `tIn` in another language re-render then. */
const arrivals = ref(0);

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en } as Record<Language, MessageSchema>,
  pluralRules: Object.fromEntries(languages.map((l) => [l, pluralRule(l)])),
  // English is the fallback by design (Russian is partial): no console noise for it.
  missingWarn: false,
  fallbackWarn: false,
});

/** The interface language now. */
export function currentLanguage(): Language {
  return i18n.global.locale.value as Language;
}

/** Fetches a language's messages once. */
export function loadLanguage(language: Language): Promise<void> {
  if (loaded.has(language)) return Promise.resolve();
  let pending = loading.get(language);
  if (!pending) {
    pending = loaders[language as Exclude<Language, 'en'>]()
      .then((module) => {
        i18n.global.setLocaleMessage(language, module.default as MessageSchema);
        loaded.add(language);
        arrivals.value++;
      })
      .finally(() => loading.delete(language));
    loading.set(language, pending);
  }
  return pending;
}

let latest: Language = 'en';

/**
 * Switches the interface (and `<html lang>`) once the language's messages are there (at once when
 * they already are); remembered on this browser for the login page. The last choice wins.
 */
export function setLanguage(language: Language): Promise<void> {
  latest = language;
  if (loaded.has(language)) {
    apply(language);
    return Promise.resolve();
  }
  return loadLanguage(language).then(
    () => {
      if (latest === language) apply(language);
    },
    () => undefined, // offline: stay in the language shown
  );
}

/** The language the page starts in: the one last chosen on this browser, else the browser's. */
export function startLanguage(): Promise<void> {
  return setLanguage(initialLanguage());
}

function apply(language: Language): void {
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
  const wanted = languageOf(language) ?? 'en';
  void arrivals.value; // re-read once a language arrives
  if (!loaded.has(wanted)) void loadLanguage(wanted).catch(() => undefined);
  return i18n.global.t(key, params, { locale: wanted });
}

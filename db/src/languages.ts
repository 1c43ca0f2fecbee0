/**
 * The languages the product speaks. A person's language is a setting of their account (null: their
 * browser's); a tenant's locale (e.g. `fr-FR`) is the language its scripts are written in.
 * Constants only, so the web app imports it too.
 */
export const languages = ['en', 'fr', 'de', 'ru'] as const;
export type Language = (typeof languages)[number];

/** Each language named in itself, as a language menu shows it. */
export const languageNames: Record<Language, string> = { en: 'English', fr: 'Français', de: 'Deutsch', ru: 'Русский' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The product language nearest a BCP 47 tag (`de-AT` → `de`), or null when it speaks none of it. */
export function languageOf(tag: string | null | undefined): Language | null {
  const base = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return isLanguage(base) ? base : null;
}

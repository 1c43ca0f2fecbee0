import { i18n, t } from '../i18n/index.ts';

/**
 * The last resort for a code no mapping knows yet (a status added on the server before the web
 * learns it): `wrap_up_timeout` → `Wrap up timeout`, `deliveryAddress` → `Delivery address`. Every
 * kind of code has its own module beside this one; this only keeps an unknown one readable.
 */
export function words(code: string | null | undefined): string {
  if (!code) return '—';
  // Already words (typed by a person, or masked): shown as they are.
  if (!/^[a-z][a-zA-Z0-9_.-]*$/.test(code)) return code;
  const text = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._-]+/g, ' ')
    .trim()
    .toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A code in the viewer's language, read at render time from `<namespace>.<code>` of the translation
 * files (`orders.status`, `received` → "Reçue"); a code the files do not know yet is spelled out.
 */
export function translatedCode(namespace: string, code: string | null | undefined): string {
  if (!code) return '—';
  const key = `${namespace}.${code}`;
  return i18n.global.te(key) || i18n.global.te(key, 'en') ? t(key) : words(code);
}

import { findUntranslated } from '../../tests/support/i18n-scan.ts';

/**
 * `pnpm i18n:check [path-prefix…]`: lists the user-visible words the web app writes outside its
 * translation files (web/src/locales), file by file, so they can be moved into them. Exits 1 when any.
 */
const prefixes = process.argv.slice(2);
const found = findUntranslated().filter((f) => !prefixes.length || prefixes.some((p) => f.file.startsWith(p)));
for (const f of found) console.log(`web/src/${f.file}:${f.line}  ${f.text}`);
const files = new Set(found.map((f) => f.file)).size;
console.log(found.length ? `${found.length} strings outside the translation files in ${files} files.` : 'Every user-visible string goes through the translation files.');
process.exit(found.length ? 1 : 0);

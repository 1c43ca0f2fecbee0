import { t } from '../i18n/index.ts';

/** Words for the knowledge search's results, shared by the desk's panel and the portal's catalog (called at render time). */
export type SearchKind = 'product' | 'service' | 'tariff' | 'promotion' | 'faq' | 'procedure';

/** What a result is, in the viewer's language: `faq` → "FAQ", `procedure` → "Procédure". */
export function searchKindLabel(kind: SearchKind): string {
  return t(`search.kind.${kind}`);
}

/** How a result was found, when not by the words as typed; null for an exact match. */
export function searchMatchLabel(match: 'exact' | 'close' | 'fuzzy'): string | null {
  return match === 'exact' ? null : t(`search.match.${match}`);
}

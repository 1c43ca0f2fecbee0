/** Words for the knowledge search's results, shared by the desk's panel and the portal's catalog. */
export const searchKindLabels = {
  product: 'Product',
  service: 'Service',
  tariff: 'Tariff',
  promotion: 'Promotion',
  faq: 'FAQ',
  procedure: 'Procedure',
} as const;

/** How a result was found, when not by the words as typed. */
export const searchMatchLabels: Record<'exact' | 'close' | 'fuzzy', string | null> = {
  exact: null,
  close: 'Related word',
  fuzzy: 'Similar spelling',
};

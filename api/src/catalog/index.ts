/** What other packages (tenant files) use of the catalog: its field rules and its verbs. */
export { itemShape, tariffShape, promotionShape, articleShape, OptionGroupsSchema, PriceLineSchema } from './schemas.ts';
export type { ItemInput, TariffInput, PromotionInput, ArticleInput } from './schemas.ts';
export {
  articleSelection,
  itemSelection,
  promotionSelection,
  tariffSelection,
  saveArticle,
  saveItem,
  savePromotion,
  saveTariff,
  toArticle,
  toItem,
  toTariff,
  type CatalogTenant,
} from './service.ts';
export { searchConfigName } from './search-config.ts';
export { allowedEdits, catalogSearchQuery, editDistance, queryParts, searchCatalog, searchPlan } from './search.ts';
export { addSynonymGroup, synonymGroupsOf, synonymGroupKey, type SynonymGroup } from './synonyms.ts';
export { SynonymTermsSchema } from './schemas.ts';

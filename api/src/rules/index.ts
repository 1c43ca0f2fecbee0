/** Confidentiality rules: the field catalog, the rules document, masking per viewer, card-number redaction. */
export * from './fields.ts';
export { RulesSchema, CidrSchema, addressAllowed, defaultRules, normalizeRules, parseCidr, type Rules, type RulesInput } from './definition.ts';
export { applyRules, exportableFields, maskValue, sensitiveVisibilityFor } from './visibility.ts';
export { findCardNumbers, luhnValid, redactCardNumbers, type CardNumberMatch } from './card-numbers.ts';

/** The parts of the rules the web app uses too (no server dependency): the field catalog, masking, card-number redaction. */
export * from './fields.ts';
export { maskValue, sensitiveVisibilityFor } from './visibility.ts';
export { findCardNumbers, redactCardNumbers, luhnValid } from './card-numbers.ts';

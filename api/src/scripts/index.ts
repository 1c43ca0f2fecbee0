// The pure part of call scripts (model, validator, walker, diff), shared with the web editor
// through `@switchboard/api/scripts`: no database, no HTTP.
export * from './model.ts';
export * from './validate.ts';
export * from './walk.ts';
export * from './diff.ts';
export * from './edit.ts';
export * from './answers.ts';

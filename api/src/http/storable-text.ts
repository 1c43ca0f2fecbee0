/**
 * PostgreSQL refuses NUL bytes in text and lone UTF-16 surrogates in JSON, and nobody types the other
 * control characters: text holding any of them (tab and line breaks aside) is refused at the edge, a
 * 400 naming its field, instead of reaching the database as a 500. Pure, so the web's script editor
 * shares it through the script model.
 */
const unstorable = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const storableText = (value: string): boolean => !unstorable.test(value);

/** What PostgreSQL itself refuses (a NUL byte, a lone surrogate): any string of any request, whatever it means (http/character-guard.ts). */
const refusedByDatabase = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const storableByDatabase = (value: string): boolean => !refusedByDatabase.test(value);
export const unstorableTextMessage = 'Remove the invisible control characters (NUL bytes or broken characters) from this text.';
/** The refinement's options: its message, and its code (`nul_byte`) for the API's field error. */
export const unstorableTextIssue = { message: unstorableTextMessage, params: { code: 'nul_byte' } };

/**
 * The string schemas that are text a person typed: each is scanned for card numbers before anything is
 * stored (http/validators.ts typedText / typedIdentifier, the script model's texts). tests/free-text.test.ts
 * walks every route's body and fails on a string that is neither one of them nor structured.
 */
const freeTextSchemas = new WeakSet<object>();
export function markFreeText<T extends object>(schema: T): T {
  freeTextSchemas.add(schema);
  return schema;
}
export const isFreeTextSchema = (schema: object): boolean => freeTextSchemas.has(schema);

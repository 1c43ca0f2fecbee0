/**
 * PostgreSQL refuses NUL bytes in text and lone UTF-16 surrogates in JSON, and nobody types the other
 * control characters: text holding any of them (tab and line breaks aside) is refused at the edge, a
 * 400 naming its field, instead of reaching the database as a 500. Pure, so the web's script editor
 * shares it through the script model.
 */
const unstorable = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const storableText = (value: string): boolean => !unstorable.test(value);
export const unstorableTextMessage = 'Remove the invisible control characters (NUL bytes or broken characters) from this text.';

import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { invalid, type FieldErrorInput } from './problem.ts';
import { issueError } from './router.ts';
import { storableByDatabase, unstorableTextMessage } from './storable-text.ts';

/**
 * DESIGN.md: PostgreSQL refuses NUL bytes in text and lone UTF-16 surrogates in JSON. One guard, before
 * any route reads its input, refuses both — and bytes that are not UTF-8 — wherever a request carries
 * text: a path parameter, a query parameter, any string (or key) of a JSON body, any other body as a
 * whole. A 400 naming each field (`nul_byte`, as the text validators answer), and nothing runs. Runs
 * after the session check, so a request refused for want of a session is refused before its body is read.
 * A JSON body is also checked against its route's documented schema (`app`'s OpenAPI registry), so the
 * 400 names every other invalid field too, as the route's own validation would have.
 */
export function refuseUnstorableCharacters(app: OpenAPIHono<AppEnv>): MiddlewareHandler<AppEnv> {
  let bodies: Map<string, DocumentedBody> | undefined;
  const documentedBody = (method: string, template: string) => {
    bodies ??= new Map(
      app.openAPIRegistry.definitions.flatMap((definition) => {
        const body = definition.type === 'route' ? definition.route.request?.body : undefined;
        if (!body || definition.type !== 'route') return [];
        const media = body.content?.['application/json'];
        const schema = media && 'schema' in media && media.schema && 'safeParseAsync' in media.schema ? (media.schema as z.ZodType) : undefined;
        return [[`${definition.route.method.toUpperCase()} ${definition.route.path}`, { schema }] as const];
      }),
    );
    return bodies.get(`${method} ${template.replace(/:([^/{?]+)(\{[^}]*\})?\??/g, '{$1}')}`);
  };
  return async (c, next) => {
    const errors = [...pathErrors(c), ...queryErrors(c), ...(await bodyErrors(c, documentedBody))];
    if (errors.length) throw invalid(errors, 'Remove the NUL bytes and broken characters from the fields named.');
    return next();
  };
}

/** A route's documented request body: only a route that documents one reads it. */
interface DocumentedBody {
  schema: z.ZodType | undefined;
}

/** The path of the route the request is for (`/api/t/:tenant/orders/:id`), if one matched. */
const routeTemplate = (c: Context, segments: number) =>
  matchedRoutes(c)
    .map((route) => route.path)
    .findLast((path) => path.split('/').length === segments && !path.includes('*'));

const fieldError = (path: string): FieldErrorInput => ({ path, code: 'nul_byte', message: unstorableTextMessage });
/** A field's name as the problem can carry it (the name itself may hold the character). */
const printable = (name: string) =>
  Array.from(name, (char) => (char === '\u0000' || (char.length === 1 && char >= '\ud800' && char <= '\udfff') ? '\ufffd' : char)).join('');

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

const continuation = (byte: number | undefined) => byte !== undefined && byte >= 0x80 && byte <= 0xbf;

/** The length of the well-formed UTF-8 sequence at `at` (RFC 3629: no overlong forms, no surrogates), or 0. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const b0 = bytes[at]!;
  const b1 = bytes[at + 1];
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return continuation(b1) ? 2 : 0;
  const inRange = (low: number, high: number) => b1 !== undefined && b1 >= low && b1 <= high;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const second = b0 === 0xe0 ? inRange(0xa0, 0xbf) : b0 === 0xed ? inRange(0x80, 0x9f) : continuation(b1);
    return second && continuation(bytes[at + 2]) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const second = b0 === 0xf0 ? inRange(0x90, 0xbf) : b0 === 0xf4 ? inRange(0x80, 0x8f) : continuation(b1);
    return second && continuation(bytes[at + 2]) && continuation(bytes[at + 3]) ? 4 : 0;
  }
  return 0;
}

/**
 * The bytes as text, each byte that is not UTF-8 read as a lone surrogate: the text check below then
 * names the field that held it, instead of the decoder silently writing U+FFFD.
 */
export function decodeMarkingBrokenBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let text = '';
    let start = 0;
    for (let at = 0; at < bytes.length; ) {
      const length = sequenceLength(bytes, at);
      if (length > 0) {
        at += length;
        continue;
      }
      text += `${lenient.decode(bytes.subarray(start, at))}\ud800`;
      at += 1;
      start = at;
    }
    return text + lenient.decode(bytes.subarray(start));
  }
}

/** A URL component percent-decoded as UTF-8 (`+` as a space in a query), broken bytes marked. */
function decodeComponent(raw: string, plusIsSpace: boolean): string {
  const source = plusIsSpace ? raw.replace(/\+/g, ' ') : raw;
  if (!source.includes('%')) return source;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let at = 0; at < source.length; at++) {
    const hex = source.slice(at + 1, at + 3);
    if (source[at] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      at += 2;
    } else {
      bytes.push(...encoder.encode(source[at]!));
    }
  }
  return decodeMarkingBrokenBytes(Uint8Array.from(bytes));
}

function rawPathAndQuery(c: Context): [string, string] {
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const rest = start < 0 ? '/' : url.slice(start);
  const hash = rest.indexOf('#');
  const withoutHash = hash < 0 ? rest : rest.slice(0, hash);
  const question = withoutHash.indexOf('?');
  return question < 0 ? [withoutHash, ''] : [withoutHash.slice(0, question), withoutHash.slice(question + 1)];
}

/** Each path segment that holds a bad character, named by the route's parameter at that place. */
function pathErrors(c: Context): FieldErrorInput[] {
  const segments = rawPathAndQuery(c)[0].split('/');
  const bad = segments.map((segment, index) => [index, decodeComponent(segment, false)] as const).filter(([, value]) => !storableByDatabase(value));
  if (!bad.length) return [];
  const template = routeTemplate(c, segments.length)?.split('/');
  return bad.map(([index]) => {
    const part = template?.[index];
    return fieldError(part?.startsWith(':') ? part.slice(1).replace(/\{.*$/, '').replace(/\?$/, '') : '(path)');
  });
}

function queryErrors(c: Context): FieldErrorInput[] {
  const errors: FieldErrorInput[] = [];
  for (const pair of rawPathAndQuery(c)[1].split('&')) {
    if (!pair) continue;
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals < 0 ? pair : pair.slice(0, equals), true);
    const value = equals < 0 ? '' : decodeComponent(pair.slice(equals + 1), true);
    if (!storableByDatabase(name) || !storableByDatabase(value)) errors.push(fieldError(printable(name)));
  }
  return errors;
}

const withoutBody = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A JSON escape that may spell a NUL or half of a surrogate pair: only then is the body parsed here. */
const jsonEscapeOfConcern = /\\u(?:0000|[dD][89a-fA-F])/;

/** Every string and key of a JSON body, by its dotted path (as zod names fields); any other body as a whole. */
async function bodyErrors(c: Context, documentedBody: (method: string, template: string) => DocumentedBody | undefined): Promise<FieldErrorInput[]> {
  if (withoutBody.has(c.req.method) || !c.req.raw.body) return [];
  // A body no route reads never reaches the database (logout, a route that does not exist…).
  const template = routeTemplate(c, rawPathAndQuery(c)[0].split('/').length);
  const documented = template ? documentedBody(c.req.method, template) : undefined;
  if (!documented) return [];
  // Read once and cached by Hono: the route's validator (or its signature check) reads the same bytes.
  const text = decodeMarkingBrokenBytes(new Uint8Array(await c.req.arrayBuffer()));
  const storable = storableByDatabase(text);
  if (storable && !jsonEscapeOfConcern.test(text)) return [];
  let parsed: unknown;
  try {
    // A leading byte-order mark: JSON.parse refuses it, but the route's reader (Response.json) skips it.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    // Not JSON: the route answers that; only the characters are this guard's.
    return storable ? [] : [fieldError('(body)')];
  }
  const errors: FieldErrorInput[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'string') {
      if (!storableByDatabase(value)) errors.push(fieldError(path.join('.') || '(body)'));
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, String(index)]));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (storableByDatabase(key)) walk(item, [...path, key]);
        else errors.push(fieldError([...path, printable(key)].join('.')));
      }
    }
  };
  walk(parsed, []);
  if (!errors.length) return storable ? [] : [fieldError('(body)')];
  const validation = await documented.schema?.safeParseAsync(parsed);
  const named = new Set(errors.map((e) => e.path));
  for (const issue of validation?.error?.issues ?? []) {
    const other = issueError(issue, issue.path.map(String).join('.') || '(body)');
    if (!named.has(other.path)) errors.push(other);
  }
  return errors;
}

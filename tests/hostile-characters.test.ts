import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelephonyRequest } from '@switchboard/api';
import type { Tenant } from '@switchboard/db';
import {
  actorFor,
  apiOperations,
  createHarness,
  describeOp,
  logIn,
  send,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotDatabase,
  type ApiOperation,
  type Client,
  type Harness,
} from './support/index.ts';
import { TEST_TELEPHONY_SECRET } from './support/routing.ts';

/**
 * DESIGN.md: PostgreSQL refuses NUL bytes in text and lone UTF-16 surrogates in JSON, so they are refused
 * at the edge. Derived from the OpenAPI document: every documented operation, every string field of its
 * JSON body, every query and path parameter gets a NUL byte, then a lone surrogate (invalid UTF-8 in a
 * URL), as a user who may call it. Each answers 400 problem+json naming the field, and nothing changes.
 */
let h: Harness;
let tenant: Tenant;
let admin: Client;
let operator: Client;
let doc: Doc;
let operations: ApiOperation[];

type Doc = { paths: Record<string, Record<string, any>>; components?: Record<string, Record<string, any>> };

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  admin = await logIn(h.app, provider);
  operator = await logIn(h.app, await seedOperator(h.db, [tenant]));
  doc = (await send(h.app, 'GET', '/api/openapi.json')).body as Doc;
  operations = await apiOperations(h.app);
});
afterAll(() => h?.close());

function resolve(node: any): any {
  let current = node;
  for (let depth = 0; current?.$ref && depth < 20; depth++) {
    const parts = String(current.$ref).replace(/^#\//, '').split('/');
    current = parts.reduce<any>((at, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return current;
}

const isString = (schema: any) => schema?.type === 'string' || (Array.isArray(schema?.type) && schema.type.includes('string'));

/** The paths (zod's dotted form: `lines.0.note`) of every string the schema may hold, each shape of a union included. */
function stringPaths(node: any, at: string[] = [], depth = 0): string[][] {
  const schema = resolve(node);
  if (!schema || depth > 8) return [];
  const found: string[][] = isString(schema) ? [at] : [];
  for (const alternative of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) found.push(...stringPaths(alternative, at, depth + 1));
  for (const [name, property] of Object.entries<any>(schema.properties ?? {})) found.push(...stringPaths(property, [...at, name], depth + 1));
  if (schema.items) found.push(...stringPaths(schema.items, [...at, '0'], depth + 1));
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    found.push(...stringPaths(schema.additionalProperties, [...at, 'key'], depth + 1));
  }
  const unique = new Map(found.map((path) => [path.join('.'), path]));
  return [...unique.values()];
}

/** The example body with `value` at `path`, building whatever the example leaves out on the way. */
function withValue(body: unknown, path: string[], value: string): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const index = /^\d+$/.test(head) ? Number(head) : undefined;
  if (index !== undefined) {
    const list = Array.isArray(body) ? [...body] : [];
    list[index] = withValue(list[index], rest, value);
    return list;
  }
  const object = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  object[head] = withValue(object[head], rest, value);
  return object;
}

interface Probe {
  op: ApiOperation;
  /** The field the problem must name. */
  field: string;
  url: string;
  body?: string | Uint8Array<ArrayBuffer>;
}

const hostile = [
  { label: 'NUL', text: 'a\u0000b', url: 'a%00b' },
  { label: 'lone surrogate', text: 'a\ud800b', url: 'a%ED%A0%80b' },
] as const;

function documented(op: ApiOperation): { schema: any; query: any[] } {
  const item = doc.paths[op.path]!;
  const operation = item[op.method.toLowerCase()];
  const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map(resolve);
  const schema = resolve(operation.requestBody)?.content?.['application/json']?.schema;
  return { schema, query: parameters.filter((p) => p.in === 'query') };
}

/** A valid-shaped URL for the operation: the tenant's slug, a placeholder id, example query values. */
function urlOf(op: ApiOperation, path: Record<string, string> = {}, query = op.query): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => path[name] ?? (name === 'tenant' ? tenant.slug : '0190a8c4-0000-7000-8000-000000000000')) + query;
}

function probesOf(op: ApiOperation, value: (typeof hostile)[number]): Probe[] {
  const probes: Probe[] = [];
  const body = op.body === undefined ? undefined : JSON.stringify(op.body);
  const { schema, query } = documented(op);
  for (const name of op.pathParams) probes.push({ op, field: name, url: urlOf(op, { [name]: `hostile-${name}` }).replace(`hostile-${name}`, value.url), body });
  for (const parameter of query) {
    const others = op.query.slice(1).split('&').filter((pair) => pair && !pair.startsWith(`${encodeURIComponent(parameter.name)}=`));
    probes.push({ op, field: parameter.name, url: urlOf(op, {}, `?${[...others, `${encodeURIComponent(parameter.name)}=${value.url}`].join('&')}`), body });
  }
  if (schema) {
    for (const path of stringPaths(schema)) {
      probes.push({ op, field: path.join('.') || '(body)', url: urlOf(op), body: JSON.stringify(withValue(op.body, path, value.text)) });
    }
  }
  return probes;
}

const telephonySecretHeaders = (probe: Probe) => {
  const body = typeof probe.body === 'string' ? probe.body : probe.body ? Buffer.from(probe.body).toString('latin1') : '';
  return signTelephonyRequest(TEST_TELEPHONY_SECRET, probe.op.method === 'GET' ? '' : body, h.clock.now(), { method: probe.op.method, path: probe.url.split('?')[0]! });
};

/** As a user who may call it: the adapter (signed) for telephony, an operator at the desk, the provider admin elsewhere. */
async function call(probe: Probe): Promise<{ status: number; contentType: string | null; body: any; text: string }> {
  const { op } = probe;
  const headers: Record<string, string> = { 'idempotency-key': `hostile ${describeOp(op)} ${probe.field}` };
  if (probe.body !== undefined) headers['content-type'] = 'application/json';
  if (op.path.startsWith('/api/telephony/')) {
    const res = await h.app.request(probe.url, { method: op.method, headers: { ...headers, ...telephonySecretHeaders(probe) }, body: op.method === 'GET' ? undefined : probe.body ?? null });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), text, body: text.startsWith('{') ? JSON.parse(text) : text };
  }
  const client = op.path.startsWith('/api/desk') ? operator : admin;
  const res = await h.app.request(probe.url, {
    method: op.method,
    headers: { ...headers, origin: 'http://localhost', 'sec-fetch-site': 'same-origin', cookie: `sb_session=${client.token}` },
    body: op.method === 'GET' || op.method === 'HEAD' ? undefined : probe.body ?? null,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, body: parsed };
}

const SWEEP_TIMEOUT_MS = 300_000;

describe('bad characters in any string of any documented operation', () => {
  it('finds strings to try in bodies, queries and paths, telephony and login included', () => {
    const fields = operations.flatMap((op) => probesOf(op, hostile[0]).map((p) => `${describeOp(op)} ${p.field}`));
    expect(fields).toEqual(expect.arrayContaining(['POST /api/auth/login email', 'POST /api/auth/login password', 'GET /api/t/{tenant}/members tenant']));
    expect(fields.some((f) => f.startsWith('POST /api/telephony/'))).toBe(true);
    expect(fields.length).toBeGreaterThan(300);
  });

  for (const value of hostile) {
    it(`answers a ${value.label} with 400 naming the field, never a 5xx, and changes nothing`, async () => {
      const before = await snapshotDatabase(h.db, { except: ['sessions'] });
      const wrong: string[] = [];
      const failedOnOurSide = new Set<string>();
      for (const op of operations) {
        for (const probe of probesOf(op, value)) {
          const res = await call(probe);
          if (res.status >= 500) failedOnOurSide.add(describeOp(op));
          const named = res.status === 400 && res.contentType === 'application/problem+json' && (res.body?.errors ?? []).some((e: any) => e.path === probe.field && e.code === 'nul_byte');
          if (!named) wrong.push(`${describeOp(op)} ${probe.field}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
      expect([...failedOnOurSide], 'operations that answered 5xx').toEqual([]);
      expect(wrong).toEqual([]);
      expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
    }, SWEEP_TIMEOUT_MS);
  }

  it('refuses bytes that are not UTF-8 in a body, naming the field, and in a query', async () => {
    const login = operations.find((op) => describeOp(op) === 'POST /api/auth/login')!;
    const bytes = Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('@example.test","password":"x"}')]);
    const res = await call({ op: login, field: 'email', url: '/api/auth/login', body: new Uint8Array(bytes) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'email', code: 'nul_byte' })]);

    const list = await admin.get(`/api/t/${tenant.slug}/audit?action=%C3%28`);
    expect(list.status).toBe(400);
    expect(list.body.errors).toEqual([expect.objectContaining({ path: 'action', code: 'nul_byte' })]);
  });

  it('looks past a byte-order mark: a NUL behind a leading BOM is refused too', async () => {
    const login = operations.find((op) => describeOp(op) === 'POST /api/auth/login')!;
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"email":"a\\u0000@example.test","password":"x"}')]);
    const res = await call({ op: login, field: 'email', url: '/api/auth/login', body: new Uint8Array(bytes) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'email', code: 'nul_byte' })]);
  });

  it('still takes ordinary text with accents, emoji and line breaks', async () => {
    const res = await admin.put('/api/me/language', { language: 'fr' });
    expect(res.status).toBeLessThan(300);
    const search = await admin.get(`/api/t/${tenant.slug}/audit?action=${encodeURIComponent('café 👩‍💼\nligne')}`);
    expect(search.status).toBe(200);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { fieldCodes, problemCodes } from '../api/src/http/problem-codes.ts';
import {
  actorFor,
  apiOperations,
  createHarness,
  describeOp,
  logIn,
  seedClientUser,
  seedTenant,
  seedUser,
  send,
  uniqueSlug,
  urlFor,
  type ApiResponse,
  type Client,
  type Harness,
} from './support/index.ts';

/**
 * Issue 12 — the API's problems carry stable codes the web translates: every problem answered has a
 * registered `code`, every invalid field a `code` and its `params`, and every code the API can produce is
 * translated in each language and listed in docs/errors.md.
 */
const root = join(import.meta.dirname, '..');
const problemCodeList = Object.keys(problemCodes);
const fieldCodeList = Object.keys(fieldCodes);

let h: Harness;
let tenant: Tenant;
let admin: Client;
let clientAdmin: Client;

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  admin = await logIn(h.app, provider);
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
});
afterAll(() => h?.close());

/** What is wrong with a problem answer's codes (nothing for a success). */
function codeFaults(res: ApiResponse, where: string): string[] {
  if (res.status < 400) return [];
  const body = res.body as { code?: unknown; errors?: { code?: unknown; path?: unknown }[] } | undefined;
  const faults: string[] = [];
  if (res.contentType !== 'application/problem+json') faults.push(`${where}: ${res.status} is not problem+json`);
  if (typeof body?.code !== 'string' || !problemCodeList.includes(body.code)) faults.push(`${where}: ${res.status} has code ${String(body?.code)}`);
  for (const e of body?.errors ?? []) {
    if (typeof e.code !== 'string' || !fieldCodeList.includes(e.code)) faults.push(`${where}: error at ${String(e.path)} has code ${String(e.code)}`);
  }
  return faults;
}

describe('every problem the API answers', () => {
  it('has a registered code, and so has each of its field errors, on every documented route', async () => {
    const faults: string[] = [];
    let problems = 0;
    // Their own sessions: the sweep logs them out on the way.
    const sweepers = [await logIn(h.app, await seedUser(h.db, { kind: 'provider_admin' })), await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'))];
    for (const op of await apiOperations(h.app)) {
      const url = urlFor(op, { tenant: tenant.slug }, '00000000-0000-4000-8000-000000000000');
      const json = op.method === 'GET' || op.method === 'DELETE' ? undefined : { unexpected: '\u0000', limit: -1 };
      for (const [who, res] of [
        ['anonymous', await send(h.app, op.method, url, { json })],
        ['provider admin', await sweepers[0]!.request(op.method, url, json)],
        ['client admin', await sweepers[1]!.request(op.method, url, json)],
      ] as const) {
        if (res.status >= 400) problems++;
        faults.push(...codeFaults(res, `${who} ${describeOp(op)}`));
      }
    }
    expect(faults).toEqual([]);
    expect(problems).toBeGreaterThan(100);
  });

  it('has one for a route that does not exist, a body that is not JSON, one too large, and another site', async () => {
    const answers = [
      await admin.get(`/api/t/${tenant.slug}/no-such-thing`),
      await admin.post('/api/tenants', '{"slug": '),
      await admin.post('/api/tenants', { name: 'x'.repeat(2_000_000) }),
      await admin.request('POST', '/api/tenants', {}, { origin: 'https://evil.test' }),
    ];
    expect(answers.map((r) => [r.status, (r.body as { code: string }).code])).toEqual([
      [404, 'not_found'],
      [400, 'invalid_input'],
      [413, 'payload_too_large'],
      [403, 'cross_origin_refused'],
    ]);
    expect(answers.flatMap((r, i) => codeFaults(r, `answer ${i}`))).toEqual([]);
  });
});

describe('invalid input', () => {
  const errorAt = (res: ApiResponse, path: string) => (res.body as { errors: { path: string }[] }).errors.find((e) => e.path === path);

  it('answers a code and the params of its message for each field', async () => {
    const res = await admin.post('/api/tenants', {
      slug: 'Not A Slug!',
      name: '',
      legalName: 'Fine SA',
      timeZone: 'Mars/Olympus_Mons',
      locale: 'not a locale',
      currency: 'euros',
      clientAdmin: { email: 'not-an-email', displayName: 'X'.repeat(500) },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_input', title: 'Invalid input', detail: 'The request has invalid fields.' });
    expect(errorAt(res, 'slug')).toEqual({ path: 'slug', code: 'slug', message: 'Use 1–40 lowercase letters, digits and inner hyphens.' });
    expect(errorAt(res, 'name')).toMatchObject({ code: 'required' });
    expect(errorAt(res, 'timeZone')).toEqual({ path: 'timeZone', code: 'time_zone', message: 'Use an IANA time zone such as Europe/Paris.' });
    expect(errorAt(res, 'locale')).toMatchObject({ code: 'locale' });
    expect(errorAt(res, 'currency')).toMatchObject({ code: 'currency' });
    expect(errorAt(res, 'clientAdmin.email')).toMatchObject({ code: 'invalid_format', params: { format: 'email' } });
    expect(errorAt(res, 'clientAdmin.displayName')).toMatchObject({ code: 'too_big', params: { maximum: 120, origin: 'string' } });

    const password = await clientAdmin.post('/api/auth/password', { currentPassword: 'whatever-it-is', newPassword: 'short' });
    expect(errorAt(password, 'newPassword')).toEqual({
      path: 'newPassword',
      code: 'too_small',
      params: { minimum: 12, inclusive: true, origin: 'string' },
      message: 'Use at least 12 characters.',
    });
  });

  it('codes the product’s own rules: control characters, card numbers, a taken slug', async () => {
    const contact = await clientAdmin.post(`/api/t/${tenant.slug}/contacts`, {
      phone: '+33142868201',
      address: 'Rue\u0000 de la Paix',
      accountNumber: '4111 1111 1111 1111',
    });
    expect(contact.status).toBe(400);
    expect(errorAt(contact, 'address')).toMatchObject({ code: 'nul_byte' });
    expect(errorAt(contact, 'accountNumber')).toMatchObject({ code: 'card_number', message: expect.stringContaining('card number') });

    const taken = await admin.post('/api/tenants', {
      slug: tenant.slug,
      name: 'Again',
      legalName: 'Again SA',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      currency: 'EUR',
      clientAdmin: { email: `${uniqueSlug('again')}@example.test`, displayName: 'Again' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({
      type: 'https://switchboard.dev/problems/conflict',
      code: 'tenant.slug_taken',
      title: 'Conflict',
      detail: 'That slug is taken.',
      errors: [{ path: 'slug', code: 'tenant.slug_taken', message: 'Another tenant already uses this slug.' }],
    });
  });
});

describe('the codes', () => {
  const locales = ['en', 'fr', 'de', 'ru'].map((language) => ({
    language,
    messages: JSON.parse(readFileSync(join(root, 'web/src/locales', `${language}.json`), 'utf8')) as Record<string, unknown>,
  }));
  const at = (messages: Record<string, unknown>, key: string): unknown =>
    key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), messages);
  const isText = (value: unknown) => typeof value === 'string' && value.trim().length > 0;

  it('every problem and field code is translated in every language', () => {
    const missing: string[] = [];
    for (const { language, messages } of locales) {
      for (const code of problemCodeList) {
        for (const part of ['title', 'detail']) if (!isText(at(messages, `problems.${code}.${part}`))) missing.push(`${language}: problems.${code}.${part}`);
      }
      for (const code of fieldCodeList) {
        // zod's size and format codes are read by origin and format, with `other` for the rest (web/src/api/problems.ts).
        const key = ['too_small', 'too_big', 'invalid_format'].includes(code) ? `validation.${code}.other` : `validation.${code}`;
        if (!isText(at(messages, key))) missing.push(`${language}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every code a refinement names in the API source is registered (the throw sites are typed; zod params are not)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(path);
      }
    };
    walk(join(root, 'api/src'));
    const named = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/params: \{ code: '([^']+)'|coded\('([^']+)'|codedPattern\([^,]+, '([^']+)'\)/g)].map((m) => `${m[1] ?? m[2] ?? m[3]}`),
    );
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((code) => !fieldCodeList.includes(code))).toEqual([]);
  });

  it('docs/errors.md lists exactly the registry, in its order', () => {
    const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    const listed = (section: string) =>
      [...(doc.split(`<!-- ${section} -->`)[1]?.split(`<!-- /${section} -->`)[0] ?? '').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(listed('problem-codes'), 'regenerate the tables of docs/errors.md from api/src/http/problem-codes.ts').toEqual(problemCodeList);
    expect(listed('field-codes'), 'regenerate the tables of docs/errors.md from api/src/http/problem-codes.ts').toEqual(fieldCodeList);
  });
});

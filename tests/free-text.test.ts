import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFreeTextSchema } from '@switchboard/api';
import { createHarness, type Harness } from './support/index.ts';

/**
 * Issue 11, finding 3 — one choke point: every string a route accepts in its JSON body is either text a
 * person typed, built by typedText / typedIdentifier (api/src/http/validators.ts: card numbers redacted
 * or refused, unstorable characters refused), or structured — a format or a pattern that leaves no room
 * for a card number — or named below with why it is neither. A new field that forgets it fails here.
 */

/** `METHOD path field` → why this string is not free text. */
const notFreeText: Record<string, string> = {
  'post /api/auth/login .email': 'matched against accounts, never stored',
  'post /api/auth/login .password': 'compared with a hash, never stored',
  'post /api/auth/password .currentPassword': 'compared with a hash, never stored',
  'post /api/auth/password .newPassword': 'stored as a hash only',
  'post /api/me/invitations/{invitationId}/accept .code': 'compared with a hash, never stored',
  'put /api/t/{tenant}/delegations/{function} .inHouse': 'parsed into an E.164 number or an email address, refused otherwise',
  'post /api/billing/stripe/webhook *': "Stripe's own event, verified by its signature",
  'post /api/telephony/* *': "the telephony adapter's own fields, HMAC-signed (its free-text note is redacted in the route)",
  'put /api/telephony/adapter .callbackUrl': "the telephony adapter's own callback URL, HMAC-signed, checked as an http(s) URL without credentials",
  'delete /api/telephony/adapter .name': "the telephony adapter's own name, HMAC-signed, matched against the registrations, never stored",
  'put /api/t/{tenant}/ivr-menus/{number} .definition.nodes.*.prompt.text': 'a keypad menu prompt: the service redacts card numbers from every text of the menu (ivr/service.ts)',
  'put /api/t/{tenant}/ivr-menus/{number} .definition.nodes.*.choices[].label': 'a keypad choice label: the service redacts card numbers from every text of the menu (ivr/service.ts)',
  'post /api/t/{tenant}/audio .name': "an uploaded recording's name: the service redacts card numbers from it (ivr/service.ts)",
  'post /api/t/{tenant}/campaigns .callerId': "matched against the tenant's own numbers, refused otherwise",
  'patch /api/t/{tenant}/campaigns/{id} .callerId': "matched against the tenant's own numbers, refused otherwise",
  'post /api/t/{tenant}/opposition-lists .text': 'an opposition file: only the numbers parsed from it are stored',
  'post /api/t/{tenant}/opposition-lists .column': "a column of that file, matched against its header, never stored",
  'post /api/t/{tenant}/opposition-lists/{id}/numbers .text': 'an opposition file: only the numbers parsed from it are stored',
  'post /api/t/{tenant}/quality/forms .definition.*': "a quality form's texts: form.ts refuses control characters, the route redacts card numbers from every one (quality/forms-routes.ts)",
  'put /api/t/{tenant}/quality/forms/{id}/draft .definition.*': "a quality form's texts: form.ts refuses control characters, the route redacts card numbers from every one (quality/forms-routes.ts)",
};

const structuredByName = [
  // Checked against a closed list or parsed into a canonical form before anything is stored.
  /\.(currency|locale|timeZone|function|skill|skills\[\]|disposition|code|sku|itemSkus\[\]|brandColor|phone|forwardTo|effectiveFrom|effectiveTo|validFrom|signedAt|paidOn|deliveryTime|birthDate|email|entryId|callId|customerId|itemId|slug|ipAllowList\[\]|from|start|end)$/,
  // Option names and choices are matched against the catalog item's own options.
  /\.options(\.<key>|\.\*|\.\*\[\])$/,
  // Script answers are keyed by step id (a pattern).
  /\.scriptAnswers\.<key>$/,
];

type Zod = { _zod: { def: Record<string, any> } };

function* stringLeaves(schema: Zod | undefined, path: string, seen = new Set<unknown>()): Generator<[string, Zod]> {
  if (!schema || seen.has(schema)) return;
  seen.add(schema);
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      yield [path, schema];
      break;
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, Zod>)) yield* stringLeaves(value, `${path}.${key}`, seen);
      break;
    case 'array':
      yield* stringLeaves(def.element, `${path}[]`, seen);
      break;
    case 'record':
      yield* stringLeaves(def.keyType, `${path}.<key>`, seen);
      yield* stringLeaves(def.valueType, `${path}.*`, seen);
      break;
    case 'union':
      for (const option of def.options) yield* stringLeaves(option, path, seen);
      break;
    case 'intersection':
      yield* stringLeaves(def.left, path, seen);
      yield* stringLeaves(def.right, path, seen);
      break;
    case 'pipe':
      yield* stringLeaves(def.in, path, seen);
      // What a pipe hands on was already checked on its way in.
      break;
    case 'lazy':
      yield* stringLeaves(def.getter(), path, seen);
      break;
    case 'tuple':
      for (const [i, item] of (def.items as Zod[]).entries()) yield* stringLeaves(item, `${path}[${i}]`, seen);
      break;
    default:
      if (def.innerType) yield* stringLeaves(def.innerType, path, seen);
  }
}

const structured = (schema: Zod) =>
  Boolean(schema._zod.def.format) || (schema._zod.def.checks ?? []).some((c: Zod) => c._zod.def.check === 'string_format');

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('every free-text field goes through the card-number rule', () => {
  it('every string of every request body is typed text, structured, or named with why', () => {
    const registry = (h.app as unknown as { openAPIRegistry: { definitions: any[] } }).openAPIRegistry;
    const forgotten: string[] = [];
    let checked = 0;
    for (const definition of registry.definitions) {
      if (definition.type !== 'route') continue;
      const { method, path } = definition.route as { method: string; path: string };
      const schema = definition.route.request?.body?.content?.['application/json']?.schema as Zod | undefined;
      for (const [field, leaf] of stringLeaves(schema, '')) {
        checked++;
        if (isFreeTextSchema(leaf) || structured(leaf)) continue;
        const key = `${method} ${path} ${field}`;
        const named = Object.keys(notFreeText).some((pattern) => new RegExp(`^${pattern.replace(/[.[\]{}()]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key));
        if (named || structuredByName.some((re) => re.test(field))) continue;
        forgotten.push(key);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(forgotten).toEqual([]);
  });
});

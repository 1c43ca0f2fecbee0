import { createRoute, z } from '@hono/zod-openapi';
import { privacyActions, privacyChannels } from '@switchboard/db';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { invalid, problemResponses, fieldError } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { storableText, unstorableTextIssue } from '../http/storable-text.ts';
import { typedText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { PhoneInputSchema, normalizePhone } from '../records/common.ts';
import { erasePerson, exportPerson, listRequests, recordKinds, searchPerson, type Identifier } from './service.ts';

/**
 * The person's rights (GDPR articles 15 and 17): client and provider admins find, export and erase one
 * person's records. The person is named in the body, never the URL (URLs end up in logs); every call
 * needs the request's date, channel and reference, and is kept in the history and the audit trail.
 */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['privacy'];
const noStore = { 'cache-control': 'no-store' };

/** A cell a spreadsheet would run as a formula, at the start or after any separator. */
const formulaLike = /(?:^|[;,|\t\r\n])\s*[=+\-@]/;

const personFields = {
    phone: PhoneInputSchema.refine(storableText, unstorableTextIssue).optional().openapi({ description: "The person's phone number (read in the tenant's country without a country code)" }),
    email: z.email('Enter an e-mail address such as name@example.com.').max(254).optional(),
    receivedOn: z.iso
      .date({ error: 'Use a date as YYYY-MM-DD.' })
      .refine((d) => d >= '2000-01-01' && d <= new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), 'Use the day the request was received (not in the future).')
      .openapi({ description: 'When the person’s request was received (the one-month answer period runs from it)' }),
    channel: z.enum(privacyChannels, { error: `Choose one of: ${privacyChannels.join(', ')}.` }),
    reference: typedText(300)
      .pipe(
        z
          .string()
          .min(3, 'Say why: the request’s reference or how it was made (at least 3 characters).')
          .refine((v) => !formulaLike.test(v), 'Start no part of the reference with = + - or @ (a spreadsheet would run it).'),
      )
      .openapi({ description: 'Why this is done: the request’s reference (ticket, letter). Kept in the history: no personal data here.' }),
};

/** Exactly one of phone and e-mail names the person. */
const onePerson = <S extends z.ZodType<{ phone?: string | undefined; email?: string | undefined }>>(schema: S) =>
  schema.superRefine((r, ctx) => {
    if ((r.phone === undefined) === (r.email === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [r.phone === undefined ? 'phone' : 'email'],
        message: 'Give the person’s phone number or e-mail address (one of them).',
        params: { code: 'one_of', fields: ['phone', 'email'] },
      });
    }
  });
const PersonRequestSchema = onePerson(z.object(personFields));

const example = { phone: '+33 6 98 76 54 32', receivedOn: '2026-11-30', channel: 'email', reference: 'Ticket 4711, e-mail to privacy desk' } as const;
const SearchInputSchema = PersonRequestSchema.openapi('PrivacySearch', { example });
const EraseInputSchema = onePerson(
  z.object({ ...personFields, confirm: z.literal(true, { error: 'Confirm the erasure: it cannot be undone.' }) }),
).openapi('PrivacyErasure', { example: { ...example, confirm: true } });

const CountsSchema = z
  .object({
    customers: z.number().int(),
    calls: z.number().int(),
    orders: z.number().int(),
    complaints: z.number().int(),
    informationRequests: z.number().int(),
    callbackRequests: z.number().int(),
    scriptAnswers: z.number().int(),
    wrapUpDrafts: z.number().int(),
    recordings: z.number().int(),
    leads: z.number().int().optional().openapi({ description: 'Leads taken on their calls or naming their number or e-mail (absent from requests kept before they were counted)' }),
    customerRecordChanges: z.number().int().optional().openapi({ description: 'Before/after changes of their customer records made from calls (absent from requests kept before they were counted)' }),
    consents: z.number().int().optional().openapi({ description: 'Consent records of their numbers (deleted by an erasure)' }),
    campaignContacts: z.number().int().optional().openapi({ description: 'Campaign contacts with their number or e-mail (emptied and excluded from dialling by an erasure)' }),
    doNotCall: z.number().int().optional().openapi({ description: 'Their numbers on the do-not-call list (kept by an erasure without the note: it protects them)' }),
  })
  .openapi('PrivacyCounts');

const SearchResultSchema = z
  .object({
    requestId: z.uuid(),
    counts: CountsSchema,
    records: z.array(
      z.object({
        kind: z.enum(recordKinds),
        reference: z.string(),
        at: z.string(),
        summary: z.string().openapi({ description: 'In English, for API clients; `facts` carries the same as codes to word in any language' }),
        facts: z
          .object({
            number: z.number().int().optional(),
            function: z.string().optional(),
            status: z.string().optional().openapi({ description: "The record's own status code" }),
            severity: z.string().optional(),
            totalMinor: z.number().int().optional(),
            currency: z.string().optional(),
            followUp: z.boolean().optional(),
            recording: z.boolean().optional(),
            wrapUpDraft: z.boolean().optional(),
          })
          .openapi('PrivacyRecordFacts'),
      }),
    ),
    inProgress: z.number().int().openapi({ description: 'Calls of this person still in progress (erasure waits for them)' }),
  })
  .openapi('PrivacySearchResult');

const HistoryEntrySchema = z
  .object({
    id: z.uuid(),
    action: z.enum(privacyActions),
    identifierKind: z.enum(['phone', 'email']),
    receivedOn: z.string(),
    channel: z.enum(privacyChannels),
    reference: z.string(),
    requestedByLabel: z.string(),
    at: z.string(),
    counts: CountsSchema,
  })
  .openapi('PrivacyRequest');

const search = createRoute({
  method: 'post',
  path: '/t/{tenant}/privacy/search',
  tags,
  summary: "Find every record of one person (by phone or e-mail): counts per kind and a list without personal data; kept in the history",
  request: { params: TenantParamSchema, body: { ...json(SearchInputSchema), required: true } },
  responses: { 200: { description: 'What was found', ...json(SearchResultSchema) }, ...problemResponses(400, 401, 403, 404) },
});

const exportRoute = createRoute({
  method: 'post',
  path: '/t/{tenant}/privacy/export',
  tags,
  summary: "Everything held about one person, as a JSON document to send them (GDPR article 15); kept in the history",
  request: { params: TenantParamSchema, body: { ...json(SearchInputSchema), required: true } },
  responses: { 200: { description: 'The document (an attachment)', ...json(z.record(z.string(), z.unknown())) }, ...problemResponses(400, 401, 403, 404) },
});

const erase = createRoute({
  method: 'post',
  path: '/t/{tenant}/privacy/erase',
  tags,
  summary: "Erase one person (GDPR article 17): their records deleted, or stripped of personal data where billing needs them; kept in the history",
  request: { params: TenantParamSchema, body: { ...json(EraseInputSchema), required: true } },
  responses: {
    200: {
      description: 'Erased: what was erased per kind, and the recording references to delete at the telephony provider',
      ...json(z.object({ requestId: z.uuid(), counts: CountsSchema, recordingReferences: z.array(z.string()) }).openapi('PrivacyErasureResult')),
    },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

const history = createRoute({
  method: 'get',
  path: '/t/{tenant}/privacy/requests',
  tags,
  summary: 'Past searches, exports and erasures: who, when, why and counts (never the person)',
  request: { params: TenantParamSchema, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: { 200: { description: 'Newest first', ...json(z.object({ items: z.array(HistoryEntrySchema) })) }, ...problemResponses(400, 401, 403, 404) },
});

type PersonRequest = z.output<typeof PersonRequestSchema>;

/** The person as searched (phone in E.164, e-mail in lower case), or a 400 naming the field; the reference must not name them. */
function identifierOf(input: PersonRequest, locale: string): Identifier {
  let who: Identifier;
  if (input.phone !== undefined) {
    const phone = normalizePhone(input.phone, locale);
    if (!phone) throw invalid([fieldError('phone', 'phone', 'Enter a valid phone number, with its country code (+33…) if it is not a local one.')]);
    who = { kind: 'phone', value: phone };
  } else {
    who = { kind: 'email', value: input.email!.trim().toLowerCase() };
  }
  const digits = (s: string) => s.replace(/\D/g, '');
  const reference = input.reference.toLowerCase();
  const named = who.kind === 'email' ? reference.includes(who.value) : digits(reference).includes(digits(who.value).slice(-9));
  if (named) throw invalid([fieldError('reference', 'privacy.reference_names_person', 'The reference is kept in the history: leave the person’s phone number or e-mail out of it.')]);
  return who;
}

const details = (input: PersonRequest) => ({ receivedOn: input.receivedOn, channel: input.channel, reference: input.reference });

export const privacyRoutes = createRouter()
  .openapi(search, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'privacy.requests');
    const input = c.req.valid('json');
    const result = await searchPerson(ctx.tx, ctx.tenant, ctx.actor, identifierOf(input, ctx.tenant.locale), details(input), c.var.deps.now());
    return c.json(result, 200, noStore);
  })
  .openapi(exportRoute, async (c) => {
    const ctx = tenantContext(c);
    // The one document that carries a person's sensitive fields in full (it is theirs to receive): only the
    // company's own admins, never provider staff, who see no more than the operator's visibility.
    requirePermission(ctx, 'privacy.export');
    const input = c.req.valid('json');
    const now = c.var.deps.now();
    const document = await exportPerson(ctx.tx, ctx.tenant, ctx.actor, identifierOf(input, ctx.tenant.locale), details(input), now);
    return c.json(document, 200, {
      ...noStore,
      'content-disposition': `attachment; filename="${ctx.tenant.slug}-personal-data-${now.toISOString().slice(0, 10)}.json"`,
    });
  })
  .openapi(erase, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'privacy.requests');
    const input = c.req.valid('json');
    const result = await erasePerson(ctx.tx, ctx.tenant, ctx.actor, identifierOf(input, ctx.tenant.locale), details(input), c.var.deps.now());
    return c.json(result, 200, noStore);
  })
  .openapi(history, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'privacy.requests');
    return c.json({ items: await listRequests(ctx.tx, c.req.valid('query').limit) }, 200, noStore);
  });

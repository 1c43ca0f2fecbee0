import { z } from '@hono/zod-openapi';
import {
  campaignFunctions,
  callFunctions,
  dialModes,
  dispositionOutcomes,
  jsonb,
  newId,
  type CampaignStatus,
  type ContactState,
  type RetryRules,
  type Tenant,
  type TenantTx,
  type WeekWindow,
  type CampaignFunction,
} from '@switchboard/db';
import { languageOf, type Language } from '@switchboard/db/languages';
import { writeAudit } from '../audit/write.ts';
import type { Actor } from '../http/env.ts';
import { conflict, fieldError, invalid, notFound, type FieldErrorInput } from '../http/problem.ts';
import { coded, typedText } from '../http/validators.ts';
import { normalizePhone, PhoneInputSchema } from '../records/common.ts';
import { callerIdWarning, isArcepAutomatedRange } from './caller-id-warning.ts';

/**
 * Outbound campaigns (issue 15, docs/outbound.md): what a campaign dials for (an outbound function the
 * tenant delegates, with that function's published script), as whom (one of the tenant's numbers), how
 * (preview, progressive, predictive), when (its dates and its own calling hours, in the callee's zone,
 * always inside the rules profile's), how often it tries again, and what an operator may end a call with
 * (its dispositions: the tenant's wrap-up codes, each with what it does to the contact). Every change is
 * audited in the change's own transaction. The dialer (api/src/dialer) reads running campaigns only.
 */

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const hhmm = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const minutesOf = (time: string) => (time === '24:00' ? 1440 : Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5)));

const WindowSchema = z
  .strictObject({
    start: z.string().refine((v) => hhmm.test(v), coded('hours.start_time', 'Use HH:MM, from 00:00 to 23:59.')),
    end: z.string().refine((v) => hhmm.test(v) || v === '24:00', coded('hours.end_time', 'Use HH:MM, from 00:01 to 24:00.')),
  })
  .refine((w) => !hhmm.test(w.start) || minutesOf(w.end) > minutesOf(w.start), { ...coded('campaign.end_before_start', 'The end must come after the start, on the same day.'), path: ['end'] });

const dayWindows = z
  .array(WindowSchema)
  .max(6)
  .superRefine((windows, ctx) => {
    windows.forEach((w, i) => {
      const other = windows.slice(0, i).find((o) => minutesOf(w.start) < minutesOf(o.end) && minutesOf(o.start) < minutesOf(w.end));
      if (other) ctx.addIssue({ code: 'custom', path: [i], message: `Overlaps ${other.start}–${other.end}.`, params: { code: 'hours.overlaps', other: `${other.start}–${other.end}` } });
    });
  });

export const CallingHoursSchema = z
  .strictObject(Object.fromEntries(weekdays.map((d) => [d, dayWindows.optional()])) as Record<(typeof weekdays)[number], z.ZodOptional<typeof dayWindows>>)
  .openapi('CampaignCallingHours', {
    description: "The campaign's own calling hours per weekday, in the callee's zone; always intersected with the rules profile's hours",
    example: { mon: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }], tue: [{ start: '10:00', end: '13:00' }] },
  });

const minutes = (max: number) => z.number().int('Use a whole number.').min(1).max(max);
export const RetryRulesSchema = z
  .strictObject({
    busyMinutes: minutes(10_080).optional(),
    noAnswerMinutes: minutes(10_080).optional(),
    machineMinutes: minutes(10_080).optional(),
    failedMinutes: minutes(10_080).optional(),
    maxAttempts: z.number().int('Use a whole number.').min(1).max(10).optional(),
  })
  .openapi('CampaignRetryRules', { description: 'Minutes before trying again after each outcome, and the most attempts per contact (the rules profile may allow fewer)', example: { busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 } });

export const defaultRetryRules: RetryRules = { busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 };
export const defaultCallingHours: WeekWindow = Object.fromEntries(
  weekdays.slice(0, 5).map((d) => [d, [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }]]),
) as WeekWindow;

export const DispositionInputSchema = z.strictObject({
  code: z.string().trim().min(1, 'Choose a wrap-up code.').max(64),
  outcome: z.enum(dispositionOutcomes),
  usageMetric: z.enum(['sale', 'completed_survey']).optional(),
});

export const rulesProfiles = ['fr', 'fr_existing_customers', 'none'] as const;
const isoDate = z.iso.date({ error: 'Use a date as YYYY-MM-DD.' });

const campaignFields = {
  name: typedText(120).pipe(z.string().min(1, 'Enter a name, e.g. New fibre offer.')).openapi({ example: 'New fibre offer' }),
  function: z.enum(campaignFunctions).openapi({ description: 'An outbound function the company delegates', example: 'outbound_info' }),
  callerId: PhoneInputSchema.openapi({ description: "One of the company's numbers, presented to the callee", example: '+33162000001' }),
  mode: z.enum(dialModes).openapi({ example: 'progressive' }),
  startsOn: isoDate.nullable().optional().openapi({ description: 'First day (the tenant’s calendar); null: from its start' }),
  endsOn: isoDate.nullable().optional().openapi({ description: 'Last day included; null: until finished' }),
  callingHours: CallingHoursSchema.optional(),
  retryRules: RetryRulesSchema.optional(),
  dispositions: z.array(DispositionInputSchema).max(50).optional().openapi({ description: "What an operator may end a call with: the company's wrap-up codes, each with what it does to the contact" }),
  rulesProfile: z.enum(rulesProfiles).optional().openapi({ description: 'fr (the default): French rules for calls outside a contract; fr_existing_customers: calls within a current contract; none' }),
  requiresConsent: z.boolean().optional(),
  abandonCapPercent: z.number().gt(0).max(10).optional().openapi({ description: 'Predictive: the most answered calls that may find no operator, in percent over the rolling window (default 3)' }),
  abandonMessage: typedText(1000).pipe(z.string().min(1, 'Enter the message, or leave it out for the default.')).optional(),
  ringTimeoutSeconds: z.number().int('Use a whole number.').min(10).max(60).optional(),
  maxDialRatio: z.number().min(1).max(5).optional(),
};

const refineDates = <T extends { startsOn?: string | null | undefined; endsOn?: string | null | undefined }>(v: T) => !v.startsOn || !v.endsOn || v.endsOn >= v.startsOn;
const datesIssue = { ...coded('dates.end_before_start', 'The last day cannot come before the first day.'), path: ['endsOn'] };

export const CampaignInputSchema = z
  .strictObject(campaignFields)
  .refine(refineDates, datesIssue)
  .openapi('CampaignInput', {
    example: {
      name: 'New fibre offer',
      function: 'outbound_info',
      callerId: '+33162000001',
      mode: 'progressive',
      startsOn: '2026-12-07',
      endsOn: '2026-12-31',
      callingHours: { mon: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }] },
      retryRules: { busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 },
      dispositions: [],
      rulesProfile: 'fr',
    },
  });
export type CampaignInput = z.output<typeof CampaignInputSchema>;

export const CampaignPatchSchema = z
  .strictObject(campaignFields)
  .partial()
  .refine(refineDates, datesIssue)
  .openapi('CampaignPatch', { example: { mode: 'preview', ringTimeoutSeconds: 30 } });
export type CampaignPatch = z.output<typeof CampaignPatchSchema>;

const WindowOutSchema = z.object({ start: z.string(), end: z.string() });
export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    function: z.enum(campaignFunctions),
    script: z.object({ id: z.string(), publishedVersion: z.number().int().nullable() }).nullable().openapi({ description: "The function's script; the desk shows its latest published version" }),
    callerId: z.string(),
    callerIdWarning: z.string().nullable().openapi({ description: 'Set when the mode dials by itself and the caller ID is not in the ranges Arcep reserves for automated calls' }),
    callerIdOwned: z.boolean().openapi({ description: "False once the provider has taken the caller ID away from the company: the dialer pauses the campaign and it cannot run until another of the company's numbers is chosen" }),
    mode: z.enum(dialModes),
    status: z.enum(['draft', 'running', 'paused', 'finished']),
    startsOn: z.string().nullable(),
    endsOn: z.string().nullable(),
    callingHours: z.record(z.string(), z.array(WindowOutSchema)),
    retryRules: z.object({ busyMinutes: z.number(), noAnswerMinutes: z.number(), machineMinutes: z.number(), failedMinutes: z.number(), maxAttempts: z.number() }),
    dispositions: z.array(z.object({ code: z.string(), label: z.string(), outcome: z.enum(dispositionOutcomes), usageMetric: z.enum(['sale', 'completed_survey']).optional() })),
    rulesProfile: z.string(),
    requiresConsent: z.boolean(),
    abandonCapPercent: z.number(),
    abandonMessage: z.string(),
    ringTimeoutSeconds: z.number().int(),
    maxDialRatio: z.number(),
    contacts: z.object({ total: z.number().int(), pending: z.number().int(), dialing: z.number().int(), done: z.number().int(), excluded: z.number().int() }),
    lists: z.object({ total: z.number().int(), active: z.number().int() }),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .openapi('Campaign');
export type Campaign = z.infer<typeof CampaignSchema>;

/** The message an abandoned callee hears, in the tenant's language, when the campaign names none. */
const abandonMessages: Record<Language, string> = {
  en: 'Hello, we tried to reach you but no adviser was free. We will call you back later. Thank you.',
  fr: "Bonjour, nous avons tenté de vous joindre mais aucun conseiller n'était disponible. Nous vous rappellerons ultérieurement. Merci.",
  de: 'Guten Tag, wir haben versucht, Sie zu erreichen, aber kein Berater war frei. Wir rufen Sie später zurück. Vielen Dank.',
  ru: 'Здравствуйте, мы пытались до вас дозвониться, но все консультанты были заняты. Мы перезвоним вам позже. Спасибо.',
};
export const defaultAbandonMessage = (tenant: Pick<Tenant, 'locale'>) => abandonMessages[languageOf(tenant.locale) ?? 'en'];

// ---- reading -------------------------------------------------------------------------------------

const campaignColumns = [
  'id',
  'name',
  'function',
  'scriptId',
  'callerId',
  'mode',
  'status',
  'startsOn',
  'endsOn',
  'callingHours',
  'retryRules',
  'dispositions',
  'rulesProfile',
  'requiresConsent',
  'abandonCapPercent',
  'abandonMessage',
  'ringTimeoutSeconds',
  'maxDialRatio',
  'createdAt',
  'updatedAt',
  'updatedBy',
] as const;

type Counts = Campaign['contacts'];
const noContacts = (): Counts => ({ total: 0, pending: 0, dialing: 0, done: 0, excluded: 0 });

async function contactCounts(tx: TenantTx, ids: string[]): Promise<Map<string, Counts>> {
  const found = new Map<string, Counts>();
  if (!ids.length) return found;
  const rows = await tx
    .selectFrom('campaignContacts')
    .select(['campaignId', 'state', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaignId', 'in', ids)
    .groupBy(['campaignId', 'state'])
    .execute();
  for (const row of rows) {
    const counts = found.get(row.campaignId) ?? noContacts();
    const n = Number(row.n);
    counts[row.state as ContactState] += n;
    counts.total += n;
    found.set(row.campaignId, counts);
  }
  return found;
}

async function listCounts(tx: TenantTx, ids: string[]): Promise<Map<string, Campaign['lists']>> {
  const found = new Map<string, Campaign['lists']>();
  if (!ids.length) return found;
  const rows = await tx
    .selectFrom('contactLists')
    .select(['campaignId', 'status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaignId', 'in', ids)
    .groupBy(['campaignId', 'status'])
    .execute();
  for (const row of rows) {
    const counts = found.get(row.campaignId) ?? { total: 0, active: 0 };
    counts.total += Number(row.n);
    if (row.status === 'active') counts.active += Number(row.n);
    found.set(row.campaignId, counts);
  }
  return found;
}

async function publishedVersions(tx: TenantTx, scriptIds: string[]): Promise<Map<string, number>> {
  if (!scriptIds.length) return new Map();
  const rows = await tx
    .selectFrom('scriptVersions')
    .select(['scriptId', (eb) => eb.fn.max('version').as('version')])
    .where('scriptId', 'in', scriptIds)
    .groupBy('scriptId')
    .execute();
  return new Map(rows.map((r) => [r.scriptId, Number(r.version)]));
}

async function wrapUpLabels(tx: TenantTx): Promise<Map<string, { label: string; active: boolean }>> {
  const rows = await tx.selectFrom('wrapUpCodes').select(['code', 'label', 'active']).execute();
  return new Map(rows.map((r) => [r.code, { label: r.label, active: r.active }]));
}

/** Which of these numbers are still the company's (phone_numbers is under the tenant's RLS: another company's number is not seen). */
export async function ownedNumbers(tx: TenantTx, numbers: string[]): Promise<Set<string>> {
  const wanted = [...new Set(numbers)];
  if (!wanted.length) return new Set();
  const rows = await tx.selectFrom('phoneNumbers').select('number').where('number', 'in', wanted).execute();
  return new Set(rows.map((r) => r.number));
}

async function campaignsOf(tx: TenantTx, id?: string): Promise<Campaign[]> {
  // The company's callback requests are a campaign of their own kind (api/src/dialer/callback-requests.ts), not one the client edits.
  let query = tx.selectFrom('campaigns').select(campaignColumns).where('kind', '=', 'campaign').orderBy('createdAt', 'desc').orderBy('id', 'desc');
  if (id) query = query.where('id', '=', id);
  const rows = await query.execute();
  const ids = rows.map((r) => r.id);
  const [contacts, lists, versions, labels, owned] = await Promise.all([
    contactCounts(tx, ids),
    listCounts(tx, ids),
    publishedVersions(tx, rows.flatMap((r) => (r.scriptId ? [r.scriptId] : []))),
    wrapUpLabels(tx),
    ownedNumbers(tx, rows.map((r) => r.callerId)),
  ]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    function: r.function as CampaignFunction,
    script: r.scriptId ? { id: r.scriptId, publishedVersion: versions.get(r.scriptId) ?? null } : null,
    callerId: r.callerId,
    callerIdWarning: callerIdWarning(r.mode, r.callerId),
    callerIdOwned: owned.has(r.callerId),
    mode: r.mode,
    status: r.status,
    startsOn: r.startsOn,
    endsOn: r.endsOn,
    callingHours: r.callingHours as Record<string, { start: string; end: string }[]>,
    retryRules: { ...defaultRetryRules, ...r.retryRules },
    dispositions: r.dispositions.map((d) => ({ ...d, label: labels.get(d.code)?.label ?? d.code })),
    rulesProfile: r.rulesProfile,
    requiresConsent: r.requiresConsent,
    abandonCapPercent: Number(r.abandonCapPercent),
    abandonMessage: r.abandonMessage,
    ringTimeoutSeconds: r.ringTimeoutSeconds,
    maxDialRatio: Number(r.maxDialRatio),
    contacts: contacts.get(r.id) ?? noContacts(),
    lists: lists.get(r.id) ?? { total: 0, active: 0 },
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    updatedBy: r.updatedBy,
  }));
}

export const listCampaigns = (tx: TenantTx) => campaignsOf(tx);

export async function findCampaign(tx: TenantTx, id: string): Promise<Campaign | undefined> {
  return (await campaignsOf(tx, id))[0];
}

export async function getCampaign(tx: TenantTx, id: string): Promise<Campaign> {
  const campaign = await findCampaign(tx, id);
  if (!campaign) throw notFound('No such campaign.');
  return campaign;
}

// ---- what the editor offers ----------------------------------------------------------------------

export const CampaignOptionsSchema = z
  .object({
    functions: z.array(z.object({ id: z.enum(campaignFunctions), label: z.string(), delegated: z.boolean(), publishedScript: z.boolean() })),
    numbers: z.array(z.object({ number: z.string(), label: z.string(), function: z.string(), arcepAutomatedRange: z.boolean() })),
    wrapUpCodes: z.array(z.object({ code: z.string(), label: z.string() })),
    rulesProfiles: z.array(z.enum(rulesProfiles)),
    defaults: z.object({
      abandonMessage: z.string(),
      callingHours: z.record(z.string(), z.array(WindowOutSchema)),
      retryRules: CampaignSchema.shape.retryRules,
      abandonCapPercent: z.number(),
      ringTimeoutSeconds: z.number(),
      maxDialRatio: z.number(),
    }),
  })
  .openapi('CampaignOptions');

export async function campaignOptions(tx: TenantTx, tenant: Pick<Tenant, 'locale'>): Promise<z.infer<typeof CampaignOptionsSchema>> {
  const [delegations, scripts, numbers, codes] = await Promise.all([
    tx.selectFrom('delegations').select(['function', 'delegated']).where('function', 'in', [...campaignFunctions]).execute(),
    tx
      .selectFrom('scripts')
      .select(['function', (eb) => eb.exists(eb.selectFrom('scriptVersions as v').select('v.version').whereRef('v.scriptId', '=', 'scripts.id')).as('published')])
      .where('function', 'in', [...campaignFunctions])
      .execute(),
    tx.selectFrom('phoneNumbers').select(['number', 'label', 'function']).orderBy('number').execute(),
    tx.selectFrom('wrapUpCodes').select(['code', 'label']).where('active', '=', true).orderBy('code').execute(),
  ]);
  return {
    functions: campaignFunctions.map((id) => ({
      id,
      label: callFunctions.find((f) => f.id === id)!.label,
      delegated: delegations.some((d) => d.function === id && d.delegated),
      publishedScript: scripts.some((s) => s.function === id && Boolean(s.published)),
    })),
    numbers: numbers.map((n) => ({ ...n, arcepAutomatedRange: isArcepAutomatedRange(n.number) })),
    wrapUpCodes: codes,
    rulesProfiles: [...rulesProfiles],
    defaults: {
      abandonMessage: defaultAbandonMessage(tenant),
      callingHours: defaultCallingHours as Record<string, { start: string; end: string }[]>,
      retryRules: defaultRetryRules,
      abandonCapPercent: 3,
      ringTimeoutSeconds: 25,
      maxDialRatio: 3,
    },
  };
}

// ---- writing -------------------------------------------------------------------------------------

interface Checked {
  callerId?: string;
  scriptId?: string | null;
}

/** The checks a field alone cannot make, against the tenant's own data: each problem names its field, nothing is written. */
async function checkAgainstTenant(tx: TenantTx, tenant: Pick<Tenant, 'locale'>, input: CampaignPatch): Promise<Checked> {
  const errors: FieldErrorInput[] = [];
  const checked: Checked = {};
  if (input.callerId !== undefined) {
    const callerId = normalizePhone(input.callerId, tenant.locale);
    const owned = callerId && (await tx.selectFrom('phoneNumbers').select('number').where('number', '=', callerId).executeTakeFirst());
    if (!owned) errors.push(fieldError('callerId', 'campaign.caller_id', "Choose one of the company's own numbers as the caller ID."));
    else checked.callerId = callerId;
  }
  if (input.function !== undefined) {
    const delegated = await tx.selectFrom('delegations').select('delegated').where('function', '=', input.function).executeTakeFirst();
    if (!delegated?.delegated) errors.push(fieldError('function', 'campaign.not_delegated', 'The company does not delegate this function: delegate it first.', { function: input.function }));
    const script = await tx.selectFrom('scripts').select('id').where('function', '=', input.function).executeTakeFirst();
    checked.scriptId = script?.id ?? null;
  }
  if (input.dispositions !== undefined) {
    const codes = await wrapUpLabels(tx);
    const seen = new Set<string>();
    input.dispositions.forEach((d, i) => {
      const known = codes.get(d.code);
      if (!known?.active) errors.push(fieldError(`dispositions.${i}.code`, 'wrap_up_code.unknown', `'${d.code.slice(0, 64)}' is not one of the company's active wrap-up codes.`));
      else if (seen.has(d.code)) errors.push(fieldError(`dispositions.${i}.code`, 'listed_twice', `${d.code} is listed twice.`, { value: d.code }));
      seen.add(d.code);
    });
  }
  if (errors.length) throw invalid(errors);
  return checked;
}

const audited = (c: Campaign) => {
  const { contacts: _contacts, lists: _lists, createdAt: _created, updatedAt: _updated, updatedBy: _by, callerIdWarning: _warning, script, ...kept } = c;
  return { ...kept, scriptId: script?.id ?? null };
};

export async function createCampaign(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'locale'>, actor: Actor, input: CampaignInput, now: Date): Promise<Campaign> {
  const checked = await checkAgainstTenant(tx, tenant, input);
  const id = newId();
  await tx
    .insertInto('campaigns')
    .values({
      tenantId: tenant.id,
      id,
      name: input.name,
      function: input.function,
      scriptId: checked.scriptId ?? null,
      callerId: checked.callerId!,
      mode: input.mode,
      startsOn: input.startsOn ?? null,
      endsOn: input.endsOn ?? null,
      callingHours: jsonb(input.callingHours ?? defaultCallingHours),
      retryRules: jsonb({ ...defaultRetryRules, ...input.retryRules }),
      dispositions: jsonb(input.dispositions ?? []),
      rulesProfile: input.rulesProfile ?? 'fr',
      // Since 11 August 2026 (loi n° 2025-594) prospecting French consumers by phone needs their prior
      // consent: a campaign under the French rules requires it unless the client says otherwise.
      requiresConsent: input.requiresConsent ?? (input.rulesProfile ?? 'fr') === 'fr',
      abandonCapPercent: input.abandonCapPercent ?? 3,
      abandonMessage: input.abandonMessage ?? defaultAbandonMessage(tenant),
      ringTimeoutSeconds: input.ringTimeoutSeconds ?? 25,
      maxDialRatio: input.maxDialRatio ?? 3,
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.label,
    })
    .execute();
  const campaign = await getCampaign(tx, id);
  await writeAudit(tx, tenant.id, actor, { action: 'campaign.created', targetType: 'campaign', targetId: id, after: audited(campaign) });
  return campaign;
}

/** The campaign row, locked for the change: two changes of one campaign (or an import and a start) happen one after the other. */
async function lockCampaign(tx: TenantTx, id: string): Promise<{ status: CampaignStatus }> {
  const row = await tx.selectFrom('campaigns').select('status').where('id', '=', id).where('kind', '=', 'campaign').forUpdate().executeTakeFirst();
  if (!row) throw notFound('No such campaign.');
  return row;
}

export async function updateCampaign(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'locale'>, actor: Actor, id: string, patch: CampaignPatch, now: Date): Promise<Campaign> {
  const { status } = await lockCampaign(tx, id);
  if (status === 'finished') throw conflict('campaign.finished', 'The campaign is finished: it no longer changes.');
  const before = await getCampaign(tx, id);
  const startsOn = patch.startsOn === undefined ? before.startsOn : patch.startsOn;
  const endsOn = patch.endsOn === undefined ? before.endsOn : patch.endsOn;
  if (startsOn && endsOn && endsOn < startsOn) throw invalid([fieldError('endsOn', 'dates.end_before_start', 'The last day cannot come before the first day.')]);
  const checked = await checkAgainstTenant(tx, tenant, patch);
  const set = {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.function !== undefined && { function: patch.function, scriptId: checked.scriptId ?? null }),
    ...(checked.callerId !== undefined && { callerId: checked.callerId }),
    ...(patch.mode !== undefined && { mode: patch.mode }),
    ...(patch.startsOn !== undefined && { startsOn: patch.startsOn }),
    ...(patch.endsOn !== undefined && { endsOn: patch.endsOn }),
    ...(patch.callingHours !== undefined && { callingHours: jsonb(patch.callingHours) }),
    ...(patch.retryRules !== undefined && { retryRules: jsonb({ ...before.retryRules, ...patch.retryRules }) }),
    ...(patch.dispositions !== undefined && { dispositions: jsonb(patch.dispositions) }),
    ...(patch.rulesProfile !== undefined && { rulesProfile: patch.rulesProfile }),
    ...(patch.requiresConsent !== undefined && { requiresConsent: patch.requiresConsent }),
    ...(patch.abandonCapPercent !== undefined && { abandonCapPercent: patch.abandonCapPercent }),
    ...(patch.abandonMessage !== undefined && { abandonMessage: patch.abandonMessage }),
    ...(patch.ringTimeoutSeconds !== undefined && { ringTimeoutSeconds: patch.ringTimeoutSeconds }),
    ...(patch.maxDialRatio !== undefined && { maxDialRatio: patch.maxDialRatio }),
  };
  if (!Object.keys(set).length) return before;
  await tx
    .updateTable('campaigns')
    .set({ ...set, updatedAt: now, updatedBy: actor.label })
    .where('id', '=', id)
    .execute();
  const after = await getCampaign(tx, id);
  await writeAudit(tx, tenant.id, actor, { action: 'campaign.updated', targetType: 'campaign', targetId: id, before: audited(before), after: audited(after) });
  return after;
}

export const campaignActions = ['start', 'pause', 'resume', 'finish'] as const;
export type CampaignAction = (typeof campaignActions)[number];
const transitions: Record<CampaignAction, { from: CampaignStatus[]; to: CampaignStatus }> = {
  start: { from: ['draft', 'paused'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  finish: { from: ['draft', 'running', 'paused'], to: 'finished' },
};

const notStartableReasons: Record<string, string> = {
  script: 'a published script for its function',
  list: 'an active contact list',
  callerId: "one of the company's own numbers as its caller ID",
};

/** Start, pause, resume or finish. A campaign runs only with a published script, at least one active list with contacts, and a caller ID that is still the company's. */
export async function changeCampaignStatus(tx: TenantTx, tenantId: string, actor: Actor, id: string, action: CampaignAction, now: Date): Promise<Campaign> {
  const { status } = await lockCampaign(tx, id);
  const transition = transitions[action];
  if (!transition.from.includes(status)) {
    throw conflict('campaign.status', `The campaign is ${status}: it cannot ${action}.`, { status, action });
  }
  if (transition.to === 'running') {
    const campaign = await getCampaign(tx, id);
    const missing: string[] = [];
    if (campaign.script?.publishedVersion == null) missing.push('script');
    const activeList = await tx
      .selectFrom('contactLists')
      .select('id')
      .where('campaignId', '=', id)
      .where('status', '=', 'active')
      .where('rowCount', '>', 0)
      .executeTakeFirst();
    if (!activeList) missing.push('list');
    // The provider moved the number to another company: presenting it would speak in that company's name.
    if (!campaign.callerIdOwned) missing.push('callerId');
    if (missing.length) {
      throw conflict('campaign.not_startable', `The campaign cannot run yet: it needs ${missing.map((m) => notStartableReasons[m]).join(' and ')}.`, { missing });
    }
  }
  await tx.updateTable('campaigns').set({ status: transition.to, updatedAt: now, updatedBy: actor.label }).where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: `campaign.${action}`, targetType: 'campaign', targetId: id, before: { status }, after: { status: transition.to } });
  return getCampaign(tx, id);
}


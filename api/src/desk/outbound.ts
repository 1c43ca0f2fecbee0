import { Temporal } from '@js-temporal/polyfill';
import type { Kysely } from 'kysely';
import { withApp, withTenant, type AttemptOutcome, type DB, type DialMode, type DispositionOutcome, type TenantTx } from '@switchboard/db';
import { invalid, notFound } from '../http/problem.ts';
import { loadRules } from '../rules/service.ts';
import { applyRules } from '../rules/visibility.ts';
import type { Rules } from '../rules/definition.ts';
import { ensurePresence } from '../routing/presence.ts';
import { ScriptBodySchema, type ScriptBody } from '../scripts/model.ts';
import { dialPreview, skipPreview } from '../dialer/progress.ts';
import { scheduleCallback } from '../dialer/dispositions.ts';
import { instantOfLocal, localText } from '../dialer/local-time.ts';
import type { Contact } from '../dialer/attempts.ts';
import { handledCall } from './handled-call.ts';
import { greetingFor } from './context.ts';

/**
 * The operator's desk for outbound (docs/outbound.md, "The desk"): the contact the dialer reserved them
 * for (a preview card, or a call being placed), and on an outbound call the same card with the
 * campaign's dispositions. Everything is read under the attempt's tenant only, and the contact's name
 * and number go through the tenant's rules exactly as an inbound caller's do (customer.name,
 * customer.phone for this viewer): the browser never holds what the operator may not see.
 */

/** How many earlier attempts of the contact the card lists. */
export const attemptHistoryLimit = 10;
/** A callback may be set at most this far ahead. */
export const callbackHorizonDays = 90;
/** Why an operator skips a preview: a short list (the free text says the rest). */
export const skipReasons = ['wrong_person', 'not_now', 'already_customer', 'bad_data', 'other'] as const;
export type SkipReason = (typeof skipReasons)[number];

export interface ContactCard {
  name: string | null;
  /** Masked as the tenant's rules mask a customer's phone for this viewer (null: hidden). */
  phone: string | null;
  email: string | null;
  timeZone: string;
  /** The callee's wall clock now, "YYYY-MM-DD HH:MM:SS" in their zone. */
  localTime: string;
  fields: Record<string, string>;
  attempts: number;
  callback: { at: string; localAt: string; note: string | null; forMe: boolean } | null;
}

export interface AttemptHistoryEntry {
  at: string;
  /** When, on the callee's wall clock. */
  localAt: string;
  status: string;
  outcome: AttemptOutcome | null;
  skipReason: string | null;
  disposition: string | null;
  dispositionLabel: string | null;
}

export interface DeskDialing {
  tenant: string;
  tenantName: string;
  brandColor: string;
  /** The client's language: the script is read in it. */
  locale: string;
  attemptId: string;
  status: 'preview' | 'originating' | 'ringing';
  mode: DialMode | 'callback';
  campaign: { id: string; name: string; mode: DialMode; function: string };
  contact: ContactCard;
  history: AttemptHistoryEntry[];
  script: { id: string; version: number; body: ScriptBody } | null;
  /** What the operator says first: the client's greeting for an outbound call. */
  greeting: string;
}

export interface OutboundOfCall {
  campaign: { id: string; name: string; mode: DialMode; function: string };
  attemptId: string;
  contact: ContactCard;
  history: AttemptHistoryEntry[];
  dispositions: { code: string; label: string; outcome: DispositionOutcome }[];
}

export function contactCard(contact: Contact, rules: Rules, viewerKind: Parameters<typeof applyRules>[3], viewerId: string, now: Date): ContactCard {
  const shown = applyRules({ name: contact.name, phone: contact.phone, email: contact.email }, 'customer', rules, viewerKind);
  return {
    name: shown.name ?? null,
    phone: shown.phone ?? null,
    email: shown.email ?? null,
    timeZone: contact.timeZone,
    localTime: localText(now, contact.timeZone),
    fields: contact.fields ?? {},
    attempts: contact.attempts,
    callback: contact.callbackAt
      ? {
          at: new Date(contact.callbackAt).toISOString(),
          localAt: localText(new Date(contact.callbackAt), contact.timeZone),
          note: contact.callbackNote,
          forMe: contact.callbackOperatorId === viewerId,
        }
      : null,
  };
}

/** The contact's attempts other than `exceptAttemptId`, newest first, with the call's disposition where a person answered. */
export async function attemptHistory(tx: TenantTx, contactId: string, exceptAttemptId: string): Promise<AttemptHistoryEntry[]> {
  const rows = await tx
    .selectFrom('dialAttempts as a')
    .leftJoin('calls as c', (join) => join.onRef('c.tenantId', '=', 'a.tenantId').onRef('c.id', '=', 'a.callId'))
    .leftJoin('wrapUpCodes as w', (join) => join.onRef('w.tenantId', '=', 'c.tenantId').onRef('w.code', '=', 'c.disposition'))
    .select(['a.id', 'a.createdAt', 'a.dialledAt', 'a.calleeTimeZone', 'a.status', 'a.outcome', 'a.skipReason', 'c.disposition', 'w.label as dispositionLabel'])
    .where('a.contactId', '=', contactId)
    .where('a.id', '!=', exceptAttemptId)
    .orderBy('a.createdAt', 'desc')
    .limit(attemptHistoryLimit)
    .execute();
  return rows.map((r) => {
    const at = new Date(r.dialledAt ?? r.createdAt);
    return {
      at: at.toISOString(),
      localAt: localText(at, r.calleeTimeZone),
      status: r.status,
      outcome: r.outcome,
      skipReason: r.skipReason,
      disposition: r.disposition ?? null,
      dispositionLabel: r.dispositionLabel ?? null,
    };
  });
}

async function campaignScript(tx: TenantTx, scriptId: string | null): Promise<DeskDialing['script']> {
  if (!scriptId) return null;
  const row = await tx.selectFrom('scriptVersions').select(['scriptId', 'version', 'body']).where('scriptId', '=', scriptId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? { id: row.scriptId, version: row.version, body: ScriptBodySchema.parse(row.body) } : null;
}

/** The attempt the operator is reserved for, as their desk shows it; null once it is no longer theirs or waiting. */
export async function loadDialing(
  tx: TenantTx,
  tenant: { slug: string; name: string; brandColor: string },
  operatorId: string,
  attemptId: string,
  now: Date,
): Promise<DeskDialing | null> {
  const attempt = await tx.selectFrom('dialAttempts').selectAll().where('id', '=', attemptId).executeTakeFirst();
  if (!attempt || attempt.operatorId !== operatorId) return null;
  if (attempt.status !== 'preview' && attempt.status !== 'originating' && attempt.status !== 'ringing') return null;
  const campaign = await tx.selectFrom('campaigns').select(['id', 'name', 'mode', 'function', 'scriptId']).where('id', '=', attempt.campaignId).executeTakeFirstOrThrow();
  const contact = await tx.selectFrom('campaignContacts').selectAll().where('id', '=', attempt.contactId).executeTakeFirstOrThrow();
  const rules = await loadRules(tx);
  const { locale } = await tx.selectFrom('tenants').select('locale').where('slug', '=', tenant.slug).executeTakeFirstOrThrow();
  return {
    tenant: tenant.slug,
    tenantName: tenant.name,
    brandColor: tenant.brandColor,
    locale,
    attemptId: attempt.id,
    status: attempt.status,
    mode: attempt.mode,
    campaign: { id: campaign.id, name: campaign.name, mode: campaign.mode, function: campaign.function },
    contact: contactCard(contact, rules, 'operator', operatorId, now),
    history: await attemptHistory(tx, contact.id, attempt.id),
    script: await campaignScript(tx, campaign.scriptId),
    greeting: greetingFor(tenant.name, rules, 'outbound'),
  };
}

/** For the call context: the campaign, contact and dispositions of an outbound call (null for an inbound one). */
export async function outboundOfCall(tx: TenantTx, callId: string, viewer: { id: string; kind: Parameters<typeof applyRules>[3] }, rules: Rules, now: Date): Promise<OutboundOfCall | null> {
  const attempt = await tx.selectFrom('dialAttempts').selectAll().where('callId', '=', callId).executeTakeFirst();
  if (!attempt) return null;
  const campaign = await tx.selectFrom('campaigns').select(['id', 'name', 'mode', 'function', 'dispositions']).where('id', '=', attempt.campaignId).executeTakeFirstOrThrow();
  const contact = await tx.selectFrom('campaignContacts').selectAll().where('id', '=', attempt.contactId).executeTakeFirstOrThrow();
  const codes = campaign.dispositions.map((d) => d.code);
  const labels = codes.length ? await tx.selectFrom('wrapUpCodes').select(['code', 'label']).where('code', 'in', codes).where('active', '=', true).execute() : [];
  const labelOf = new Map(labels.map((l) => [l.code, l.label]));
  return {
    campaign: { id: campaign.id, name: campaign.name, mode: campaign.mode, function: campaign.function },
    attemptId: attempt.id,
    contact: contactCard(contact, rules, viewer.kind, viewer.id, now),
    history: await attemptHistory(tx, contact.id, attempt.id),
    // Only codes the tenant still has (active): the wrap-up accepts no other.
    dispositions: campaign.dispositions.filter((d) => labelOf.has(d.code)).map((d) => ({ code: d.code, label: labelOf.get(d.code)!, outcome: d.outcome })),
  };
}

/**
 * The operator's own reserved attempt, under its tenant: found through their presence row (state
 * `dialing`, dial_attempt_id), so another operator's attempt — or one of another tenant — is as absent
 * as a missing one (404).
 */
async function withMyAttempt<T>(db: Kysely<DB>, operatorId: string, attemptId: string, now: Date, work: (tx: TenantTx, tenantId: string) => Promise<T>): Promise<T> {
  const presence = await withApp(db, (tx) => ensurePresence(tx, operatorId, now));
  if (presence.state !== 'dialing' || presence.dialAttemptId !== attemptId || !presence.dialTenantId) {
    throw notFound('This contact is not waiting for you.');
  }
  const tenantId = presence.dialTenantId;
  return withTenant(db, tenantId, (tx) => work(tx, tenantId));
}

export async function dialMyPreview(db: Kysely<DB>, operatorId: string, attemptId: string, now: Date) {
  return withMyAttempt(db, operatorId, attemptId, now, (tx) => dialPreview(tx, operatorId, attemptId, now));
}

/** What is kept of a skip: the reason's code, and the operator's words after it (already card-redacted at the edge). */
export function skipText(reason: SkipReason, note: string | undefined): string {
  return note ? `${reason}: ${note}`.slice(0, 300) : reason;
}

export async function skipMyPreview(db: Kysely<DB>, operatorId: string, attemptId: string, reason: SkipReason, note: string | undefined, now: Date): Promise<void> {
  await withMyAttempt(db, operatorId, attemptId, now, (tx) => skipPreview(tx, operatorId, attemptId, skipText(reason, note), now));
}

/**
 * A callback asked for on the outbound call this operator handles: `at` is the callee's own wall-clock
 * time ("YYYY-MM-DDTHH:MM" in their zone), turned into an instant in that zone (so a DST change between
 * now and then is theirs), in the future and within 90 days; for this operator or anyone on the campaign.
 */
export async function scheduleMyCallback(
  tx: TenantTx,
  operatorId: string,
  callId: string,
  input: { at: string; forMe: boolean; note?: string | undefined },
  now: Date,
): Promise<{ contactId: string; at: string; localAt: string; timeZone: string }> {
  if (!(await handledCall(tx, operatorId, callId, now))) throw notFound();
  const attempt = await tx
    .selectFrom('dialAttempts as a')
    .innerJoin('campaignContacts as k', (join) => join.onRef('k.tenantId', '=', 'a.tenantId').onRef('k.id', '=', 'a.contactId'))
    .select(['a.contactId', 'k.timeZone'])
    .where('a.callId', '=', callId)
    .executeTakeFirst();
  if (!attempt) throw invalid([{ path: 'callId', message: 'Only an outbound call can be called back.' }], 'Only an outbound call can be called back.');
  let at: Date;
  try {
    at = instantOfLocal(input.at, attempt.timeZone);
  } catch {
    throw invalid([{ path: 'at', message: 'Give a date and time as YYYY-MM-DDTHH:MM.' }]);
  }
  if (at.getTime() <= now.getTime()) throw invalid([{ path: 'at', message: "That time has passed for the callee (their time now: " + localText(now, attempt.timeZone).slice(0, 16) + ')' }]);
  if (at.getTime() > now.getTime() + callbackHorizonDays * 86_400_000) throw invalid([{ path: 'at', message: `Choose a time within ${callbackHorizonDays} days.` }]);
  await scheduleCallback(tx, callId, { at, forOperator: input.forMe ? operatorId : null, note: input.note ?? null }, now);
  return { contactId: attempt.contactId, at: at.toISOString(), localAt: localText(at, attempt.timeZone), timeZone: attempt.timeZone };
}

/** "YYYY-MM-DDTHH:MM" that is a real calendar date and time (the zone's gaps and overlaps are resolved later). */
export function isLocalDateTime(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return false;
  try {
    Temporal.PlainDateTime.from(value, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

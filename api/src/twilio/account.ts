import type { Kysely } from 'kysely';
import { crossTenant, withApp, withTenant, type CallFunctionId, type DB } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { ProblemError, notFound } from '../http/problem.ts';
import type { Config } from '../config.ts';
import { writePlatformAudit } from '../audit/write.ts';
import { deletePhoneNumber, putPhoneNumber } from '../call-handling/service.ts';
import { encryptSecret } from './secrets.ts';
import { loadTwilioAccount, twilioClient, type TwilioClient } from './client.ts';
import { hookUrl } from './webhook.ts';

/**
 * The provider's Twilio account (issue 17, docs/telephony.md "Twilio"): connected with an Account SID and
 * auth token that Twilio itself must accept, then Switchboard creates what the browser leg needs (an API key
 * for the Voice SDK's access tokens, a TwiML app whose voice URL is the /client hook), seals the secrets
 * with SECRETS_KEY and never answers them again. Its numbers are listed from Twilio, assigned to a client
 * company and function through the numbers service (the same one-tenant-per-number check), and their
 * webhooks pointed at Switchboard. Every change is in the platform audit log, never a secret in it.
 *
 * Twilio is never called inside a transaction: read, call Twilio, then write (TELEPHONY-DESIGN.md).
 */

type TwilioConfig = Pick<Config, 'publicUrl' | 'secretsKey' | 'twilioApiUrl'>;

const unreachable = () =>
  new ProblemError(503, 'twilio-unreachable', 'Twilio could not be reached', 'Twilio did not answer, or answered with an error; nothing was changed. Try again shortly.', undefined, { 'retry-after': '30' });

/** Twilio refused the credentials (401/403/404 on the account): wrong SID or token. Anything else is an outage. */
function twilioFailure(error: unknown): ProblemError {
  const status = (error as { status?: number } | null)?.status;
  if (status === 401 || status === 403 || status === 404) {
    return new ProblemError(400, 'twilio-credentials-refused', 'Twilio refused these credentials', 'Twilio did not accept this Account SID and auth token: copy both again from the Twilio console.', [
      { path: 'authToken', code: 'invalid', message: 'Twilio did not accept this Account SID and auth token.' },
    ]);
  }
  return unreachable();
}

async function twilioCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw twilioFailure(error);
  }
}

const notConnected = () => new ProblemError(503, 'twilio-not-configured', 'Twilio is not configured', 'No Twilio account is connected: connect one on the telephony page first.');

export interface TwilioNumberState {
  sid: string;
  number: string;
  friendlyName: string;
  webhooksConfiguredAt: Date | null;
  syncedAt: Date;
  assignment: { tenantId: string; tenantName: string; tenantSlug: string; function: CallFunctionId } | null;
}

export interface TwilioAccountState {
  connected: boolean;
  /** Whether PUBLIC_URL is set: without it Twilio has no address to call and no webhook can be configured. */
  publicUrlSet: boolean;
  voiceUrl: string | null;
  statusCallbackUrl: string | null;
  account: { accountSid: string; apiKeySid: string | null; twimlAppSid: string | null; connectedAt: Date; connectedBy: string; updatedAt: Date } | null;
  numbers: TwilioNumberState[];
}

const maybeHook = (config: TwilioConfig, path: string) => (config.publicUrl ? hookUrl(config, path) : null);

/** What the telephony page shows: the account (never its secrets), its numbers and whom each serves. */
export async function twilioAccountState(db: Kysely<DB>, config: TwilioConfig): Promise<TwilioAccountState> {
  const { row, numbers, tenants } = await withApp(db, async (tx) => ({
    row: await tx
      .selectFrom('twilioAccounts')
      .select(['accountSid', 'apiKeySid', 'twimlAppSid', 'connectedAt', 'connectedBy', 'updatedAt'])
      .where('id', '=', 'default')
      .executeTakeFirst(),
    numbers: await tx.selectFrom('twilioNumbers').selectAll().orderBy('number').execute(),
    tenants: await tx.selectFrom('tenants').select(['id', 'name', 'slug']).execute(),
  }));
  const assignments = await crossTenant.numberAssignments(db, numbers.map((n) => n.number));
  const tenantById = new Map(tenants.map((t) => [t.id, t]));
  return {
    connected: !!row,
    publicUrlSet: !!config.publicUrl,
    voiceUrl: maybeHook(config, '/voice'),
    statusCallbackUrl: maybeHook(config, '/status'),
    account: row ?? null,
    numbers: numbers.map((n) => {
      const a = assignments.find((x) => x.number === n.number);
      const tenant = a && tenantById.get(a.tenantId);
      return {
        sid: n.sid,
        number: n.number,
        friendlyName: n.friendlyName,
        webhooksConfiguredAt: n.webhooksConfiguredAt,
        syncedAt: n.syncedAt,
        assignment: a && tenant ? { tenantId: tenant.id, tenantName: tenant.name, tenantSlug: tenant.slug, function: a.function as CallFunctionId } : null,
      };
    }),
  };
}

/**
 * Connects (or replaces) the account: Twilio must accept the credentials (the account is fetched with
 * them), then an API key and a TwiML app are created for the browser leg. The previous account's key and
 * app are removed at Twilio afterwards, best effort, so no stale credential stays valid.
 */
export async function connectTwilioAccount(
  db: Kysely<DB>,
  config: TwilioConfig,
  actor: Actor,
  input: { accountSid: string; authToken: string },
  now: Date,
): Promise<void> {
  const clientVoiceUrl = hookUrl(config, '/client');
  const previous = await loadTwilioAccount(db, config.secretsKey).catch(() => undefined);
  const client = twilioClient(input, config.twilioApiUrl);
  const fetched = await twilioCall(() => client.api.v2010.accounts(input.accountSid).fetch());
  if (fetched.sid !== input.accountSid) throw twilioFailure({ status: 401 });
  // From here on an error is Twilio's, not the credentials'.
  const created = await (async () => {
    try {
      const key = await client.newKeys.create({ friendlyName: 'Switchboard voice (browser leg)' });
      const app = await client.applications.create({ friendlyName: 'Switchboard operators', voiceUrl: clientVoiceUrl, voiceMethod: 'POST' });
      return { key, app };
    } catch {
      throw unreachable();
    }
  })();
  const values = {
    accountSid: input.accountSid,
    authTokenEnc: encryptSecret(config.secretsKey, input.authToken),
    apiKeySid: created.key.sid,
    apiKeySecretEnc: encryptSecret(config.secretsKey, created.key.secret),
    twimlAppSid: created.app.sid,
    connectedAt: now,
    connectedBy: actor.label,
    updatedAt: now,
  };
  await withApp(db, async (tx) => {
    const before = await tx.selectFrom('twilioAccounts').select(['accountSid', 'apiKeySid', 'twimlAppSid']).where('id', '=', 'default').executeTakeFirst();
    await tx
      .insertInto('twilioAccounts')
      .values({ id: 'default', ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    // Another account's numbers are not this one's.
    if (before && before.accountSid !== input.accountSid) await tx.deleteFrom('twilioNumbers').execute();
    await writePlatformAudit(tx, actor, {
      action: before ? 'twilio.reconnected' : 'twilio.connected',
      targetType: 'twilio_account',
      targetId: input.accountSid,
      before,
      after: { accountSid: input.accountSid, apiKeySid: created.key.sid, twimlAppSid: created.app.sid, clientVoiceUrl },
    });
  });
  if (previous) await removeBrowserLegResources(previous);

  async function removeBrowserLegResources(account: NonNullable<typeof previous>) {
    const old = twilioClient(account, config.twilioApiUrl);
    if (account.apiKeySid) await old.keys(account.apiKeySid).remove().catch(() => false);
    if (account.twimlAppSid) await old.applications(account.twimlAppSid).remove().catch(() => false);
  }
}

/** Forgets the account and its numbers; its API key and TwiML app are removed at Twilio, best effort. The tenants' phone_numbers stay (they are the companies' numbers). */
export async function disconnectTwilioAccount(db: Kysely<DB>, config: TwilioConfig, actor: Actor): Promise<boolean> {
  const account = await loadTwilioAccount(db, config.secretsKey).catch(() => undefined);
  const removed = await withApp(db, async (tx) => {
    const row = await tx.deleteFrom('twilioAccounts').where('id', '=', 'default').returning(['accountSid', 'apiKeySid', 'twimlAppSid']).executeTakeFirst();
    if (!row) return undefined;
    const numbers = await tx.deleteFrom('twilioNumbers').returning('number').execute();
    await writePlatformAudit(tx, actor, { action: 'twilio.disconnected', targetType: 'twilio_account', targetId: row.accountSid, before: { ...row, numbers: numbers.map((n) => n.number).sort() } });
    return row;
  });
  if (!removed) return false;
  if (account) {
    const client = twilioClient(account, config.twilioApiUrl);
    if (account.apiKeySid) await client.keys(account.apiKeySid).remove().catch(() => false);
    if (account.twimlAppSid) await client.applications(account.twimlAppSid).remove().catch(() => false);
  }
  return true;
}

async function connectedClient(db: Kysely<DB>, config: TwilioConfig): Promise<TwilioClient> {
  const account = await loadTwilioAccount(db, config.secretsKey);
  if (!account) throw notConnected();
  return twilioClient(account, config.twilioApiUrl);
}

/**
 * The account's numbers as Twilio lists them become the inventory: new ones added, gone ones removed, and a
 * number whose voice URL or status callback no longer points at Switchboard (changed in the console) shown
 * as not configured.
 */
export async function syncTwilioNumbers(db: Kysely<DB>, config: TwilioConfig, actor: Actor, now: Date): Promise<{ added: string[]; removed: string[] }> {
  const client = await connectedClient(db, config);
  const listed = await twilioCall(() => client.incomingPhoneNumbers.list({ limit: 1000 }));
  const voiceUrl = maybeHook(config, '/voice');
  const statusUrl = maybeHook(config, '/status');
  const valid = listed.filter((n) => /^PN[0-9a-fA-F]{32}$/.test(n.sid) && /^\+[1-9][0-9]{4,14}$/.test(n.phoneNumber));
  return withApp(db, async (tx) => {
    const known = await tx.selectFrom('twilioNumbers').selectAll().execute();
    const listedSids = new Set(valid.map((n) => n.sid));
    const gone = known.filter((k) => !listedSids.has(k.sid));
    if (gone.length) await tx.deleteFrom('twilioNumbers').where('sid', 'in', gone.map((g) => g.sid)).execute();
    const added: string[] = [];
    for (const n of valid) {
      const pointsHere = !!voiceUrl && n.voiceUrl === voiceUrl && n.statusCallback === statusUrl;
      const before = known.find((k) => k.sid === n.sid);
      if (!before) added.push(n.phoneNumber);
      const webhooksConfiguredAt = pointsHere ? (before?.webhooksConfiguredAt ?? now) : null;
      const friendlyName = (n.friendlyName ?? '').slice(0, 200);
      await tx
        .insertInto('twilioNumbers')
        .values({ sid: n.sid, number: n.phoneNumber, friendlyName, webhooksConfiguredAt, syncedAt: now })
        .onConflict((oc) => oc.column('sid').doUpdateSet({ number: n.phoneNumber, friendlyName, webhooksConfiguredAt, syncedAt: now }))
        .execute();
    }
    const removed = gone.map((g) => g.number).sort();
    await writePlatformAudit(tx, actor, { action: 'twilio.numbers_synced', targetType: 'twilio_account', targetId: null, after: { added: added.sort(), removed, total: valid.length } });
    return { added, removed };
  });
}

async function inventoryNumber(db: Kysely<DB>, sid: string) {
  const row = await withApp(db, (tx) => tx.selectFrom('twilioNumbers').selectAll().where('sid', '=', sid).executeTakeFirst());
  if (!row) throw notFound('The connected Twilio account has no such number (synchronise the list first).');
  return row;
}

/** Points the number's voice URL and status callback at Switchboard (POST both), and records when. */
export async function configureNumberWebhooks(db: Kysely<DB>, config: TwilioConfig, actor: Actor, sid: string, now: Date): Promise<void> {
  const number = await inventoryNumber(db, sid);
  const voiceUrl = hookUrl(config, '/voice');
  const statusCallback = hookUrl(config, '/status');
  const client = await connectedClient(db, config);
  await twilioCall(() => client.incomingPhoneNumbers(sid).update({ voiceUrl, voiceMethod: 'POST', statusCallback, statusCallbackMethod: 'POST' }));
  await withApp(db, async (tx) => {
    await tx.updateTable('twilioNumbers').set({ webhooksConfiguredAt: now }).where('sid', '=', sid).execute();
    await writePlatformAudit(tx, actor, { action: 'twilio.webhooks_configured', targetType: 'twilio_number', targetId: sid, after: { number: number.number, voiceUrl, statusCallback } });
  });
}

/**
 * Assigns the number to a client company and function: its phone_numbers row, written by the numbers service
 * in the company's own transaction (refused with 409 when it answers for another company, never saying
 * which), audited there and in the platform log; then its webhooks are configured (after the commit: a
 * Twilio outage leaves the assignment made and the webhooks shown as not configured, to retry).
 */
export async function assignTwilioNumber(
  db: Kysely<DB>,
  config: TwilioConfig,
  actor: Actor,
  sid: string,
  input: { tenantId: string; function: CallFunctionId; label: string },
  now: Date,
): Promise<{ webhooks: 'configured' | 'failed' }> {
  const number = await inventoryNumber(db, sid);
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'status']).where('id', '=', input.tenantId).executeTakeFirst());
  if (!tenant) throw new ProblemError(400, 'invalid-input', 'Invalid input', 'No such client company.', [{ path: 'tenantId', code: 'invalid', message: 'Choose one of the client companies.' }]);
  await withTenant(
    db,
    tenant.id,
    async (tx) => {
      const { outcome } = await putPhoneNumber(tx, tenant.id, actor, { number: number.number, function: input.function, label: input.label }, now);
      return outcome;
    },
    { actorId: actor.id },
  );
  await withApp(db, (tx) =>
    writePlatformAudit(tx, actor, { action: 'twilio.number_assigned', targetType: 'twilio_number', targetId: sid, after: { number: number.number, tenantId: tenant.id, function: input.function } }),
  );
  try {
    await configureNumberWebhooks(db, config, actor, sid, now);
    return { webhooks: 'configured' };
  } catch {
    return { webhooks: 'failed' };
  }
}

/** Takes the number off the company it serves (its phone_numbers row); false when it serves none. */
export async function unassignTwilioNumber(db: Kysely<DB>, actor: Actor, sid: string): Promise<boolean> {
  const number = await inventoryNumber(db, sid);
  const [assignment] = await crossTenant.numberAssignments(db, [number.number]);
  if (!assignment) return false;
  const removed = await withTenant(db, assignment.tenantId, (tx) => deletePhoneNumber(tx, assignment.tenantId, actor, number.number), { actorId: actor.id });
  if (!removed) return false;
  await withApp(db, (tx) =>
    writePlatformAudit(tx, actor, { action: 'twilio.number_unassigned', targetType: 'twilio_number', targetId: sid, before: { number: number.number, tenantId: assignment.tenantId, function: assignment.function } }),
  );
  return true;
}

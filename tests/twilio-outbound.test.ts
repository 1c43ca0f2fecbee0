import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { jsonb, newId, retention, withTenant, type DialMode, type Tenant } from '@switchboard/db';
import { dialerPass, erasePerson } from '@switchboard/api';
import { executeTwilioCommand, type TwilioCommandContext } from '../api/src/twilio/executor.ts';
import { twilioClient } from '../api/src/twilio/client.ts';
import { encryptSecret } from '../api/src/twilio/secrets.ts';
import { startRecording } from '../api/src/twilio/recordings.ts';
import { surveyTwiml } from '../api/src/twilio/survey.ts';
import { steps as retentionSteps, runBatch } from '../api/src/retention/plan.ts';
import type { CommandKind, CommandPayload } from '../api/src/telephony/commands.ts';
import {
  actorFor,
  createClock,
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotDatabase,
  testConfig,
  type App,
  type Client,
  type Clock,
  type Harness,
  type TestUser,
} from './support/index.ts';
import { addNumber, addWrapUpCode, seedRoutedOperator, uniqueNumber } from './support/routing.ts';
import { startFakeTwilio, twilioSid, twimlVerbs, type FakeTwilio, type TwimlVerb } from './support/fake-twilio.ts';

/**
 * The Twilio adapter's outbound calls, recordings and survey (issue 17) against the fake Twilio: the REST
 * requests Switchboard makes (checked as Twilio receives them), Twilio's signed webhooks, the TwiML answers
 * read back verb by verb; forged signatures refused with nothing changed; another tenant's dial out of reach.
 */
const PUBLIC_URL = 'https://sb.example';
const HOOKS = `${PUBLIC_URL}/api/twilio/hooks`;
const start = new Date('2026-12-01T10:00:00Z');

let h: Harness;
let fake: FakeTwilio;
let clock: Clock;
let app: App;
let env: Record<string, string>;
let provider: TestUser;
let admin: Client;

beforeAll(async () => {
  fake = await startFakeTwilio();
  env = { PUBLIC_URL, TWILIO_API_URL: fake.url };
  h = await createHarness(env);
  clock = createClock(start);
  app = h.buildApp({ clock });
  const config = testConfig(env);
  await h.db
    .insertInto('twilioAccounts')
    .values({ id: 'default', accountSid: fake.accountSid, authTokenEnc: encryptSecret(config.secretsKey, fake.authToken), connectedAt: start, connectedBy: 'test', updatedAt: start })
    .execute();
  provider = await seedUser(h.db, { kind: 'provider_admin' });
  admin = await logIn(app, provider);
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

/** A webhook as Twilio posts it: form body, X-Twilio-Signature over the public URL and the parameters. */
async function hook(path: string, params: Record<string, string>, options: { signature?: string; authToken?: string } = {}) {
  const url = `${HOOKS}${path}`;
  const signature = options.signature ?? twilio.getExpectedTwilioSignature(options.authToken ?? fake.authToken, url, params);
  const res = await app.request(url.slice(PUBLIC_URL.length), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, verbs: res.status === 200 ? twimlVerbs(body) : [] };
}

function context<K extends CommandKind>(tenantId: string, kind: K, payload: CommandPayload<K>, ids: { callId?: string; dialId?: string } = {}): TwilioCommandContext {
  const config = testConfig(env);
  const account = { accountSid: fake.accountSid, authToken: fake.authToken, apiKeySid: null, apiKeySecret: null, twimlAppSid: null };
  return {
    db: h.db,
    config,
    account,
    client: twilioClient(account, fake.url),
    now: clock.now(),
    tenantId,
    command: { id: newId(), kind, payload, callId: ids.callId ?? null, dialId: ids.dialId ?? null } as TwilioCommandContext['command'],
  };
}

const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
let phoneSeq = 0;
const uniquePhone = () => `+336${String(process.pid % 100).padStart(2, '0')}${String(++phoneSeq).padStart(6, '0')}`;

interface Dial {
  tenant: Tenant;
  campaignId: string;
  attemptId: string;
  callerId: string;
  phone: string;
  operator: TestUser;
  desk: Client;
}

/** A running campaign whose caller ID is a Twilio number, one contact, a free operator: the dialer places one dial. */
async function placeDial(mode: DialMode, tenant?: Tenant): Promise<Dial> {
  tenant ??= (await seedTenant(h.db)).tenant;
  const callerId = uniqueNumber();
  await addNumber(h.db, tenant, callerId, 'telesales');
  await h.db.insertInto('twilioNumbers').values({ sid: twilioSid('PN'), number: callerId, friendlyName: 'Sales', syncedAt: start }).execute();
  for (const code of ['sale']) await addWrapUpCode(h.db, tenant, code, clock.now()).catch(() => undefined);
  const campaignId = newId();
  const listId = newId();
  const phone = uniquePhone();
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id: campaignId,
        name: `Campaign ${mode}`,
        function: 'telesales',
        callerId,
        mode,
        status: 'running',
        callingHours: jsonb(weekdays),
        retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 }),
        dispositions: jsonb([{ code: 'sale', outcome: 'success', usageMetric: 'sale' }]),
        rulesProfile: 'fr',
        abandonMessage: 'Désolé, nous vous rappellerons.',
        createdAt: clock.now(),
        updatedAt: clock.now(),
        updatedBy: 'test',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId, name: 'List', createdAt: clock.now(), createdBy: 'test' }).execute();
    await tx
      .insertInto('campaignContacts')
      .values({ tenantId: tenant.id, id: newId(), campaignId, listId, lineNumber: 2, phone, name: 'Contact', timeZone: 'Europe/Paris', nextAttemptAt: clock.now(), createdAt: clock.now(), updatedAt: clock.now() })
      .execute();
  });
  const operator = await seedRoutedOperator(h.db, [[tenant, { skills: ['telesales'] }]], 'op');
  const desk = await logIn(app, operator);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(2_000);
  await dialerPass(h.db, clock.now());
  const attempt = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('dialAttempts').selectAll().where('campaignId', '=', campaignId).executeTakeFirstOrThrow());
  expect(attempt).toMatchObject({ status: 'originating', adapter: 'twilio', callerId, phone });
  return { tenant, campaignId, attemptId: attempt.id, callerId, phone, operator, desk };
}

const attemptOf = (d: Dial) => withTenant(h.db, d.tenant.id, (tx) => tx.selectFrom('dialAttempts').selectAll().where('id', '=', d.attemptId).executeTakeFirstOrThrow());
const callOf = (tenant: Tenant, id: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const originatePayload = (d: Dial, detectMachine = true): CommandPayload<'originate'> => ({ dialId: d.attemptId, from: d.callerId, to: d.phone, ringTimeoutSeconds: 25, detectMachine, campaign: d.campaignId });

/** Originate through the handler; the call Twilio created for it. */
async function originate(d: Dial) {
  const before = fake.requestsTo('POST', '/Calls.json').length;
  await executeTwilioCommand(context(d.tenant.id, 'originate', originatePayload(d), { dialId: d.attemptId }));
  const created = fake.requestsTo('POST', '/Calls.json').slice(before);
  expect(created).toHaveLength(1);
  const sid = [...fake.calls.values()].find((c) => c.params === created[0]!.params)!.sid as string;
  return { request: created[0]!, sid };
}

const verbNames = (verbs: TwimlVerb[]) => verbs.map((v) => v.verb);

describe('outbound calls through Twilio', () => {
  it('places the dial with machine detection, the caller ID, the ring timeout and the hooks; connects the answered person into the call conference', async () => {
    const d = await placeDial('progressive');
    const { request, sid } = await originate(d);
    expect(request.params).toMatchObject({
      To: d.phone,
      From: d.callerId,
      Url: `${HOOKS}/outbound/answer?dial=${d.attemptId}`,
      Method: 'POST',
      StatusCallback: `${HOOKS}/outbound/status?dial=${d.attemptId}`,
      StatusCallbackMethod: 'POST',
      Timeout: '25',
      MachineDetection: 'Enable',
    });
    expect(request.user).toBe(fake.accountSid);

    expect((await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: 'ringing', AccountSid: fake.accountSid })).status).toBe(200);
    expect((await attemptOf(d)).status).toBe('ringing');
    // A retried originate (its answer lost) places nothing once the dial rings.
    await executeTwilioCommand(context(d.tenant.id, 'originate', originatePayload(d), { dialId: d.attemptId }));
    expect(fake.requestsTo('POST', '/Calls.json').filter((r) => r.params.Url?.includes(d.attemptId))).toHaveLength(1);

    const answered = await hook(`/outbound/answer?dial=${d.attemptId}`, { CallSid: sid, AnsweredBy: 'human', CallStatus: 'in-progress', AccountSid: fake.accountSid });
    expect(answered.status).toBe(200);
    const attempt = await attemptOf(d);
    expect(attempt).toMatchObject({ status: 'connected', operatorId: d.operator.id });
    const call = await callOf(d.tenant, attempt.callId!);
    expect(call).toMatchObject({ carrierCallSid: sid, adapter: 'twilio', status: 'connected', direction: 'outbound' });
    expect(verbNames(answered.verbs)).toEqual(['Dial']);
    const conference = answered.verbs[0]!.children[0]!;
    expect(conference).toMatchObject({ verb: 'Conference', text: `sb-${call.id}` });
    expect(conference.attributes).toMatchObject({ participantLabel: 'caller', endConferenceOnExit: 'true' });

    // The same answer again (Twilio retries) joins again; a second leg of the same dial is hung up.
    expect(verbNames((await hook(`/outbound/answer?dial=${d.attemptId}`, { CallSid: sid, AnsweredBy: 'human' })).verbs)).toEqual(['Dial']);
    const other = twilioSid('CA');
    expect(verbNames((await hook(`/outbound/answer?dial=${d.attemptId}`, { CallSid: other, AnsweredBy: 'human' })).verbs)).toEqual(['Hangup']);
    // That leg's end does not end the call; the callee's does (ended by the caller).
    await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: other, CallStatus: 'completed' });
    expect((await callOf(d.tenant, call.id)).status).toBe('connected');
    await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: 'completed' });
    expect(await callOf(d.tenant, call.id)).toMatchObject({ status: 'wrap_up', endedBy: 'caller' });
    // Twilio's retry of the same callback changes nothing more.
    const snapshot = await snapshotDatabase(h.db, { except: ['sessions'] });
    await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: 'completed' });
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(snapshot);
  });

  it('hangs up on an answering machine (retried by the campaign rules), and says the abandon message when nobody is free', async () => {
    const machine = await placeDial('predictive');
    const { sid } = await originate(machine);
    const res = await hook(`/outbound/answer?dial=${machine.attemptId}`, { CallSid: sid, AnsweredBy: 'machine_end_beep' });
    expect(verbNames(res.verbs)).toEqual(['Hangup']);
    expect(await attemptOf(machine)).toMatchObject({ status: 'ended', outcome: 'machine', callId: null });

    const abandoned = await placeDial('predictive');
    const second = await originate(abandoned);
    expect((await abandoned.desk.put('/api/desk/state', { state: 'break' })).status).toBe(200);
    const answer = await hook(`/outbound/answer?dial=${abandoned.attemptId}`, { CallSid: second.sid, AnsweredBy: 'human' });
    expect(verbNames(answer.verbs)).toEqual(['Say', 'Hangup']);
    expect(answer.verbs[0]!.text).toBe('Désolé, nous vous rappellerons.');
    expect(await attemptOf(abandoned)).toMatchObject({ status: 'ended', outcome: 'abandoned' });
  });

  it('maps busy, no-answer, failed and canceled to the dial outcomes; preview dials carry no machine detection', async () => {
    const expected = { busy: 'busy', 'no-answer': 'no_answer', failed: 'failed', canceled: 'failed' } as const;
    const tenant = (await seedTenant(h.db)).tenant;
    for (const [status, outcome] of Object.entries(expected)) {
      const d = await placeDial('predictive', tenant);
      const { sid } = await originate(d);
      expect((await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: status })).status).toBe(200);
      expect(await attemptOf(d)).toMatchObject({ status: 'ended', outcome });
      await d.desk.put('/api/desk/state', { state: 'offline' });
    }
    const d = await placeDial('predictive', tenant);
    await executeTwilioCommand(context(d.tenant.id, 'originate', originatePayload(d, false), { dialId: d.attemptId }));
    expect(fake.requestsTo('POST', '/Calls.json').at(-1)!.params.MachineDetection).toBeUndefined();
    await d.desk.put('/api/desk/state', { state: 'offline' });
  });

  it("never reaches another tenant's dial: the command of tenant B with tenant A's dial id places nothing", async () => {
    const d = await placeDial('predictive');
    const other = (await seedTenant(h.db)).tenant;
    const before = fake.requestsTo('POST', '/Calls.json').length;
    await executeTwilioCommand(context(other.id, 'originate', originatePayload(d), { dialId: d.attemptId }));
    expect(fake.requestsTo('POST', '/Calls.json')).toHaveLength(before);
    expect((await attemptOf(d)).status).toBe('originating');
    await d.desk.put('/api/desk/state', { state: 'offline' });
  });

  it('refuses forged, resigned and unsigned webhooks with 403 and changes nothing; hostile parameters change nothing either', async () => {
    const d = await placeDial('predictive');
    const { sid } = await originate(d);
    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    const params = { CallSid: sid, AnsweredBy: 'human' };
    expect((await hook(`/outbound/answer?dial=${d.attemptId}`, params, { authToken: 'f'.repeat(32) })).status).toBe(403);
    expect((await hook(`/outbound/answer?dial=${d.attemptId}`, params, { signature: '' })).status).toBe(403);
    // Signed for another URL (another dial): refused for this one.
    const elsewhere = twilio.getExpectedTwilioSignature(fake.authToken, `${HOOKS}/outbound/answer?dial=${newId()}`, params);
    expect((await hook(`/outbound/answer?dial=${d.attemptId}`, params, { signature: elsewhere })).status).toBe(403);
    expect((await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: 'busy' }, { authToken: 'x' })).status).toBe(403);
    expect((await hook(`/recording?call=${newId()}`, { RecordingSid: twilioSid('RE'), RecordingStatus: 'completed' }, { signature: 'bm9wZQ==' })).status).toBe(403);
    expect((await hook(`/survey?call=${newId()}&q=satisfaction`, { Digits: '5' }, { authToken: 'x' })).status).toBe(403);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);

    // Signed but hostile: a malformed dial id is a 400; an unknown dial hangs up; junk SIDs and a NUL change nothing.
    expect((await hook('/outbound/answer?dial=not-a-uuid', params)).status).toBe(400);
    expect(verbNames((await hook(`/outbound/answer?dial=${newId()}`, params)).verbs)).toEqual(['Hangup']);
    expect((await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: 'CA\u0000x', CallStatus: 'completed\u0000' })).status).toBe(200);
    expect((await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: 'x'.repeat(5000) })).status).toBe(400);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
    const weird = await hook(`/outbound/answer?dial=${d.attemptId}`, { CallSid: `${sid}'; drop table calls;--`, AnsweredBy: 'human\u0000' });
    expect(weird.status).toBe(200);
    const attempt = await attemptOf(d);
    // Connected, but the junk CallSid is not kept as the carrier's id.
    expect((await callOf(d.tenant, attempt.callId!)).carrierCallSid).toBeNull();
    await hook(`/outbound/status?dial=${d.attemptId}`, { CallSid: sid, CallStatus: 'completed' });
  });
});

/** A connected Twilio call of `tenant` (answered outbound), recording on, its customer's leg `sid`. */
async function connectedCall(): Promise<{ d: Dial; callId: string; sid: string }> {
  const d = await placeDial('progressive');
  const { sid } = await originate(d);
  await hook(`/outbound/answer?dial=${d.attemptId}`, { CallSid: sid, AnsweredBy: 'human' });
  const callId = (await attemptOf(d)).callId!;
  expect((await callOf(d.tenant, callId)).recordingState).toBe('on');
  return { d, callId, sid };
}

describe('recordings kept by Twilio', () => {
  it('keeps the completed recording as twilio:RE…, pauses and resumes it, streams it through Switchboard with each listen logged once', async () => {
    const { d, callId, sid } = await connectedCall();
    const ctx = context(d.tenant.id, 'recording', { callId, state: 'paused' }, { callId });
    await startRecording(ctx.client, ctx.config, sid, callId);
    const started = fake.requestsTo('POST', `/Calls/${sid}/Recordings.json`).at(-1)!;
    expect(started.params).toMatchObject({ RecordingChannels: 'dual', RecordingStatusCallback: `${HOOKS}/recording?call=${callId}` });
    const recordingSid = [...fake.recordings.values()].find((r) => r.call_sid === sid)!.sid as string;

    await executeTwilioCommand(ctx);
    expect(fake.requestsTo('POST', `/Calls/${sid}/Recordings/Twilio.CURRENT.json`).at(-1)!.params).toMatchObject({ Status: 'paused' });
    expect(fake.recordings.get(recordingSid)!.status).toBe('paused');
    await executeTwilioCommand(context(d.tenant.id, 'recording', { callId, state: 'on' }, { callId }));
    expect(fake.recordings.get(recordingSid)!.status).toBe('in-progress');

    // Another call's leg cannot hand this call a recording.
    await hook(`/recording?call=${callId}`, { CallSid: twilioSid('CA'), RecordingSid: recordingSid, RecordingStatus: 'completed' });
    expect((await callOf(d.tenant, callId)).recordingRef).toBeNull();
    await hook(`/recording?call=${callId}`, { CallSid: sid, RecordingSid: recordingSid, RecordingStatus: 'in-progress' });
    expect((await callOf(d.tenant, callId)).recordingRef).toBeNull();
    expect((await hook(`/recording?call=${callId}`, { CallSid: sid, RecordingSid: recordingSid, RecordingStatus: 'completed' })).status).toBe(200);
    expect((await callOf(d.tenant, callId)).recordingRef).toBe(`twilio:${recordingSid}`);

    const reference = await admin.get(`/api/t/${d.tenant.slug}/calls/${callId}/recording`);
    expect(reference.status).toBe(200);
    expect(JSON.stringify(reference.body)).not.toContain('twilio.com');
    const stream = (who: { token?: string }, query = '') => app.request(`/api/t/${d.tenant.slug}/calls/${callId}/recording/audio${query}`, { headers: { cookie: `sb_session=${who.token ?? ''}` } });
    const logged = () => withTenant(h.db, d.tenant.id, (tx) => tx.selectFrom('recordingAccess').select(['action', 'userId']).where('callId', '=', callId).orderBy('at').orderBy('id').execute());
    // The portal's listen: the reference (logged), then the player's requests under that same entry.
    const audio = await stream(admin, `?access=${reference.body.accessId}`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect(audio.headers.get('content-disposition')).toBe('inline');
    expect(audio.headers.get('location')).toBeNull();
    expect(await audio.text()).toBe(`FAKE-AUDIO:${recordingSid}`);
    expect(fake.requestsTo('GET', `/Recordings/${recordingSid}.mp3`)).toHaveLength(1);
    expect((await stream(admin, `?access=${reference.body.accessId}`)).status).toBe(200);
    expect(await logged()).toEqual([{ action: 'listen', userId: provider.id }]);
    // A stream with no access of one's own (none, someone else's, one older than 15 minutes) is a new listen, logged.
    expect((await stream(admin)).status).toBe(200);
    expect(await logged()).toHaveLength(2);
    const colleague = await logIn(app, await seedClientUser(h.db, d.tenant, 'client_admin'));
    expect((await stream(colleague, `?access=${reference.body.accessId}`)).status).toBe(200);
    expect((await logged()).at(-1)).toMatchObject({ action: 'listen' });
    expect(await logged()).toHaveLength(3);
    clock.advance(16 * 60_000);
    expect((await stream(admin, `?access=${reference.body.accessId}`)).status).toBe(200);
    expect(await logged()).toHaveLength(4);
    // A download through the reference route is sent as a file, under the download's own entry.
    const download = await admin.get(`/api/t/${d.tenant.slug}/calls/${callId}/recording?action=download`);
    const file = await stream(admin, `?access=${download.body.accessId}`);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="call-${callId}.mp3"`);
    expect((await logged()).map((r) => r.action)).toEqual(['listen', 'listen', 'listen', 'listen', 'download']);
    // A hostile access value is a 400 naming it, and logs nothing.
    const bad = await stream(admin, `?access=${encodeURIComponent("x'; drop table calls;--\u0000")}`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify((await bad.json()).errors)).toContain('access');
    expect(await logged()).toHaveLength(5);
    const fetched = fake.requestsTo('GET', `/Recordings/${recordingSid}.mp3`).length;
    // Operators and the client's read-only members may not listen; another tenant's slug does not reach the call.
    const operatorAudio = await app.request(`/api/t/${d.tenant.slug}/calls/${callId}/recording/audio`, { headers: { cookie: `sb_session=${d.desk.token}` } });
    expect(operatorAudio.status).toBe(403);
    const member = await logIn(app, await seedClientUser(h.db, d.tenant, 'client_member'));
    expect((await app.request(`/api/t/${d.tenant.slug}/calls/${callId}/recording/audio`, { headers: { cookie: `sb_session=${member.token}` } })).status).toBe(403);
    const other = (await seedTenant(h.db)).tenant;
    expect((await app.request(`/api/t/${other.slug}/calls/${callId}/recording/audio`, { headers: { cookie: `sb_session=${admin.token}` } })).status).toBe(404);
    expect(fake.requestsTo('GET', `/Recordings/${recordingSid}.mp3`)).toHaveLength(fetched);
  });

  it('deletes at Twilio a recording the call may not have, and deletes removed recordings (delete_recording, idempotent)', async () => {
    const { d, callId, sid } = await connectedCall();
    await withTenant(h.db, d.tenant.id, (tx) => tx.updateTable('calls').set({ recordingState: 'off' }).where('id', '=', callId).execute());
    const ctx = context(d.tenant.id, 'recording', { callId, state: 'on' }, { callId });
    await startRecording(ctx.client, ctx.config, sid, callId);
    const recordingSid = [...fake.recordings.values()].find((r) => r.call_sid === sid)!.sid as string;
    await hook(`/recording?call=${callId}`, { CallSid: sid, RecordingSid: recordingSid, RecordingStatus: 'completed' });
    expect((await callOf(d.tenant, callId)).recordingRef).toBeNull();
    // Not inline: a delete_recording command, which the push boundary retries until Twilio answers.
    expect(fake.requestsTo('DELETE', `/Recordings/${recordingSid}.json`)).toHaveLength(0);
    const [command] = await withTenant(h.db, d.tenant.id, (tx) => tx.selectFrom('telephonyCommands').select(['id', 'kind', 'payload']).where('callId', '=', callId).where('kind', '=', 'delete_recording').execute());
    expect(command!.payload).toEqual({ ref: `twilio:${recordingSid}` });
    await executeTwilioCommand(context(d.tenant.id, 'delete_recording', { ref: `twilio:${recordingSid}` }, { callId }));
    expect(fake.requestsTo('DELETE', `/Recordings/${recordingSid}.json`)).toHaveLength(1);
    expect(fake.recordings.has(recordingSid)).toBe(false);

    const kept = await startRecording(ctx.client, ctx.config, sid, callId).then(() => [...fake.recordings.values()].find((r) => r.call_sid === sid)!.sid as string);
    const deletion = context(d.tenant.id, 'delete_recording', { ref: `twilio:${kept}` }, { callId });
    await executeTwilioCommand(deletion);
    await executeTwilioCommand(deletion);
    expect(fake.recordings.has(kept)).toBe(false);
    expect(fake.requestsTo('DELETE', `/Recordings/${kept}.json`)).toHaveLength(2);
    // Not Twilio's reference: nothing asked of Twilio.
    const before = fake.requests.length;
    await executeTwilioCommand(context(d.tenant.id, 'delete_recording', { ref: 'recordings/2026/CA1.wav' }));
    expect(fake.requests).toHaveLength(before);
  });

  it('retention and erasure that remove a twilio: reference enqueue delete_recording for the Twilio adapter', async () => {
    const first = await connectedCall();
    const second = await connectedCall();
    const ref1 = `twilio:${twilioSid('RE')}`;
    const ref2 = `twilio:${twilioSid('RE')}`;
    for (const [c, ref] of [
      [first, ref1],
      [second, ref2],
    ] as const) {
      await withTenant(h.db, c.d.tenant.id, (tx) =>
        tx.updateTable('calls').set({ recordingRef: ref, status: 'completed', endedAt: clock.now(), endedBy: 'caller', wrapUpEndedAt: clock.now() }).where('id', '=', c.callId).execute(),
      );
    }
    const commands = (tenant: Tenant) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('telephonyCommands').select(['kind', 'adapter', 'callId', 'payload']).where('kind', '=', 'delete_recording').execute());

    const step = retentionSteps.find((s) => s.kind === 'recordings' && s.counted)!;
    const removed = await retention.withRetention(h.db, first.d.tenant.id, (tx) => runBatch(tx, step, new Date(clock.now().getTime() + 60_000), 100, clock.now()));
    expect(removed).toBe(1);
    expect((await callOf(first.d.tenant, first.callId)).recordingRef).toBeNull();
    expect(await commands(first.d.tenant)).toEqual([{ kind: 'delete_recording', adapter: 'twilio', callId: first.callId, payload: { ref: ref1 } }]);

    const result = await withTenant(h.db, second.d.tenant.id, (tx) =>
      erasePerson(tx, second.d.tenant, actorFor(provider), { kind: 'phone', value: second.d.phone }, { receivedOn: '2026-12-01', channel: 'email', reference: 'T-1' }, clock.now()),
    );
    expect(result.recordingReferences).toEqual([ref2]);
    expect(await commands(second.d.tenant)).toEqual([{ kind: 'delete_recording', adapter: 'twilio', callId: second.callId, payload: { ref: ref2 } }]);
  });
});

describe('the satisfaction survey over Twilio', () => {
  /** Each surveyed call's customer leg: only it answers the call's survey. */
  const legs = new Map<string, string>();
  /** A handled inbound call the operator hung up, surveyed with "solved?" asked. */
  async function surveyedCall(tenant: Tenant): Promise<string> {
    const id = newId();
    legs.set(id, twilioSid('CA'));
    const operator = await seedOperator(h.db, [tenant]);
    await withTenant(h.db, tenant.id, (tx) =>
      tx
        .insertInto('calls')
        .values({
          tenantId: tenant.id,
          id,
          externalId: `CA-${id}`,
          direction: 'inbound',
          adapter: 'twilio',
          carrierCallSid: legs.get(id)!,
          function: 'order_taking',
          dialledNumber: '+33142868200',
          callerNumber: '+33612345678',
          status: 'wrap_up',
          afterHoursAction: null,
          forwardedTo: null,
          requiredSkill: null,
          operatorId: operator.id,
          customerId: null,
          scriptId: null,
          scriptVersion: null,
          disposition: null,
          notes: null,
          recordingRef: null,
          recordingState: 'off',
          offeredAt: clock.now(),
          answeredAt: clock.now(),
          endedAt: clock.now(),
          endedBy: 'operator',
          wrapUpEndedAt: null,
          adapterSeenAt: clock.now(),
          surveyAskedSolved: true,
        })
        .execute(),
    );
    return id;
  }

  it("asks each question with a one-key <Gather> in the company's language, then records the answers and hangs up", async () => {
    const { tenant } = await seedTenant(h.db, { locale: 'fr-FR' });
    const callId = await surveyedCall(tenant);
    const questions = [
      { id: 'satisfaction', prompt: 'Êtes-vous satisfait ?', digits: ['1', '2', '3', '4', '5'] },
      { id: 'solved', prompt: 'Votre demande a-t-elle été traitée ?', digits: ['1', '2'] },
    ];
    const first = twimlVerbs(surveyTwiml({ publicUrl: PUBLIC_URL }, callId, { questions, answerBy: clock.now().toISOString() }, tenant.locale));
    expect(verbNames(first)).toEqual(['Gather']);
    expect(first[0]!.attributes).toMatchObject({ numDigits: '1', action: `${HOOKS}/survey?call=${callId}&q=satisfaction`, method: 'POST', actionOnEmptyResult: 'true' });
    expect(first[0]!.children).toEqual([{ verb: 'Say', attributes: { language: 'fr-FR' }, text: 'Êtes-vous satisfait ?', children: [] }]);

    // Another leg (a signed webhook for another call, replayed with this call's id) hears a hang-up; nothing is kept.
    expect(verbNames((await hook(`/survey?call=${callId}&q=satisfaction`, { CallSid: twilioSid('CA'), Digits: '1' })).verbs)).toEqual(['Hangup']);
    const next = await hook(`/survey?call=${callId}&q=satisfaction`, { CallSid: legs.get(callId)!, Digits: '4' });
    expect(verbNames(next.verbs)).toEqual(['Gather']);
    expect(next.verbs[0]!.attributes.action).toBe(`${HOOKS}/survey?call=${callId}&q=solved&satisfaction=4`);
    expect(next.verbs[0]!.children[0]).toMatchObject({ verb: 'Say', attributes: { language: 'fr-FR' } });
    expect(next.verbs[0]!.children[0]!.text).toContain('1');
    // Nothing is kept until the last answer.
    expect(await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callSatisfaction').selectAll().execute())).toEqual([]);

    const last = await hook(`/survey?call=${callId}&q=solved&satisfaction=4`, { CallSid: legs.get(callId)!, Digits: '1' });
    expect(verbNames(last.verbs)).toEqual(['Hangup']);
    const kept = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callSatisfaction').select(['callId', 'score', 'solved', 'outcome']).execute());
    expect(kept).toEqual([{ callId, score: 4, solved: true, outcome: 'answered' }]);

    // Replayed (Twilio retries): the first report stands.
    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    expect(verbNames((await hook(`/survey?call=${callId}&q=solved&satisfaction=2`, { CallSid: legs.get(callId)!, Digits: '2' })).verbs)).toEqual(['Hangup']);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
  });

  it('takes a key outside the question, a NUL or silence as no answer; refuses forged ids', async () => {
    const { tenant } = await seedTenant(h.db);
    const callId = await surveyedCall(tenant);
    const next = await hook(`/survey?call=${callId}&q=satisfaction`, { CallSid: legs.get(callId)!, Digits: '9\u0000' });
    expect(next.verbs[0]!.attributes.action).toBe(`${HOOKS}/survey?call=${callId}&q=solved`);
    expect(verbNames((await hook(`/survey?call=${callId}&q=solved`, { CallSid: legs.get(callId)!, Digits: '' })).verbs)).toEqual(['Hangup']);
    const kept = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callSatisfaction').select(['score', 'solved', 'outcome']).execute());
    expect(kept).toEqual([{ score: null, solved: null, outcome: 'not_answered' }]);

    expect((await hook(`/survey?call=${callId}&q=solved&satisfaction=9`, { CallSid: legs.get(callId)!, Digits: '1' })).status).toBe(400);
    expect((await hook(`/survey?call=${callId}&q=other`, { CallSid: legs.get(callId)!, Digits: '1' })).status).toBe(400);
    // A call that is not surveyed (an outbound call): just hang up, nothing kept.
    const { d, callId: outboundCall } = await connectedCall();
    expect(verbNames((await hook(`/survey?call=${outboundCall}&q=satisfaction`, { Digits: '5' })).verbs)).toEqual(['Hangup']);
    expect(await withTenant(h.db, d.tenant.id, (tx) => tx.selectFrom('callSatisfaction').selectAll().execute())).toEqual([]);
  });
});

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { serve } from '@hono/node-server';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { twilioClient } from '../api/src/twilio/client.ts';
import { encryptSecret } from '../api/src/twilio/secrets.ts';
import { executeTwilioCommand, type TwilioCommandContext } from '../api/src/twilio/executor.ts';
import { surveyTwiml } from '../api/src/twilio/survey.ts';
import type { CommandKind, CommandPayload } from '../api/src/telephony/commands.ts';
import type { MenuDefinition } from '../api/src/ivr/menu.ts';
import { createClock, createHarness, seedTenant, testConfig, type App, type Clock, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, seedRoutedOperator, setHours, uniqueNumber } from './support/routing.ts';
import { startFakeTwilio, twilioSid, twimlVerbs, type FakeTwilio, type TwimlVerb } from './support/fake-twilio.ts';

// The survey's TwiML is the outbound part's (survey.ts): here only that hang_up hands the customer's leg to it.
vi.mock('../api/src/twilio/survey.ts', () => ({ surveyTwiml: vi.fn(() => '<?xml version="1.0" encoding="UTF-8"?><Response><Say>survey</Say></Response>') }));

/**
 * The Twilio adapter's inbound side against the fake Twilio (issue 17): the voice webhooks, signed exactly as
 * Twilio signs them and posted to a real server, answer TwiML read back verb by verb; the call-control
 * handlers' REST requests land on the fake. PGlite by default, PostgreSQL with TEST_DATABASE_URL.
 */
let h: Harness;
let fake: FakeTwilio;
let clock: Clock;
let app: App;
let base: string;
let server: ReturnType<typeof serve>;
let tenant: Tenant;
let other: Tenant;
let number: string;
let otherNumber: string;

beforeAll(async () => {
  h = await createHarness();
  fake = await startFakeTwilio();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (request) => app.fetch(request), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = h.buildApp({ clock, env: { PUBLIC_URL: base, TWILIO_API_URL: fake.url } });
  const now = new Date();
  await h.db
    .insertInto('twilioAccounts')
    .values({ accountSid: fake.accountSid, authTokenEnc: encryptSecret(testConfig().secretsKey, fake.authToken), apiKeySid: null, apiKeySecretEnc: null, twimlAppSid: null, connectedAt: now, connectedBy: 'test', updatedAt: now })
    .execute();
  ({ tenant } = await seedTenant(h.db));
  ({ tenant: other } = await seedTenant(h.db));
  for (const t of [tenant, other]) await setHours(h.db, t, alwaysOpen);
  number = uniqueNumber();
  otherNumber = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addNumber(h.db, other, otherNumber, 'order_taking');
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await fake?.close();
  await h?.close();
});

const hookUrl = (path: string) => `${base}/api/twilio/hooks${path}`;
const hook = (path: string, params: Record<string, string>, options?: Parameters<FakeTwilio['webhook']>[2]) => fake.webhook(hookUrl(path), params, options);
const inbound = (to: string, sid = twilioSid('CA'), extra: Record<string, string> = {}) => ({ CallSid: sid, From: '+33612345678', To: to, CallStatus: 'ringing', Direction: 'inbound', AccountSid: fake.accountSid, ...extra });
const verbs = (res: { status: number; body: string }) => {
  expect(res.status, res.body).toBe(200);
  return twimlVerbs(res.body);
};
const find = (list: TwimlVerb[], verb: string): TwimlVerb | undefined => {
  for (const v of list) {
    if (v.verb === verb) return v;
    const inner = find(v.children, verb);
    if (inner) return inner;
  }
  return undefined;
};
const callBySid = (sid: string) => h.db.selectFrom('calls').selectAll().where('carrierCallSid', '=', sid).executeTakeFirst();
const countCalls = async () => Number((await h.db.selectFrom('calls').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

async function queuedCall(to = number): Promise<{ sid: string; id: string }> {
  const sid = twilioSid('CA');
  clock.advance(1000);
  verbs(await hook('/voice', inbound(to, sid)));
  const call = await callBySid(sid);
  return { sid, id: call!.id };
}

describe('/voice', () => {
  it('puts a caller of a number without a menu in the call’s conference, once per CallSid', async () => {
    const sid = twilioSid('CA');
    const twiml = verbs(await hook('/voice', inbound(number, sid)));
    const call = (await callBySid(sid))!;
    expect(call).toMatchObject({ tenantId: tenant.id, adapter: 'twilio', externalId: sid, status: 'queued', function: 'order_taking', callerNumber: '+33612345678', dialledNumber: number });
    expect(twiml).toHaveLength(1);
    expect(twiml[0]!.verb).toBe('Dial');
    const conference = twiml[0]!.children[0]!;
    expect(conference).toMatchObject({ verb: 'Conference', text: `sb-${call.id}` });
    expect(conference.attributes).toMatchObject({ participantLabel: 'caller', startConferenceOnEnter: 'false', endConferenceOnExit: 'true', waitUrl: hookUrl(`/wait?call=${call.id}`), statusCallback: hookUrl(`/conference?call=${call.id}`) });
    // Twilio retries a webhook it got no answer to: the same call, not a second one.
    const again = verbs(await hook('/voice', inbound(number, sid)));
    expect(again[0]!.children[0]!.text).toBe(`sb-${call.id}`);
    expect(await h.db.selectFrom('calls').select('id').where('externalId', '=', sid).execute()).toHaveLength(1);
  });

  it('refuses an unsigned, wrongly signed or changed request with 403, and writes nothing', async () => {
    const before = await countCalls();
    const params = inbound(number);
    expect((await hook('/voice', params, { signature: '' })).status).toBe(403);
    expect((await hook('/voice', params, { authToken: 'another-token' })).status).toBe(403);
    const signedFor = fake.webhook(hookUrl('/voice'), params);
    void signedFor;
    // Signed for one number, sent with another.
    const { default: twilio } = await import('twilio');
    const signature = twilio.getExpectedTwilioSignature(fake.authToken, hookUrl('/voice'), { ...params, To: otherNumber });
    const changed = await hook('/voice', params, { signature });
    expect(changed.status).toBe(403);
    expect(JSON.parse(changed.body).type).toMatch(/twilio-signature-invalid$/);
    for (const path of ['/wait?call=' + newId(), '/hold-music?call=' + newId(), '/status', '/conference?call=' + newId(), '/client']) {
      expect((await hook(path, params, { authToken: 'another-token' })).status, path).toBe(403);
    }
    await signedFor;
    expect(await countCalls()).toBe(before + 1);
  });

  it('answers an unknown number, a malformed CallSid or keys that are not keys with “not in service”, writing nothing', async () => {
    const before = await countCalls();
    for (const params of [inbound('+33100000000'), inbound(number, 'CA-not-a-sid'), inbound('=cmd|"/c calc"!A1')]) {
      const twiml = verbs(await hook('/voice', params));
      expect(twiml.map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    }
    expect(verbs(await hook('/voice?keys=1abc', inbound(number))).map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    expect(verbs(await hook('/voice', inbound(number, twilioSid('CA'), { Digits: '=1+1' }))).map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    expect(await countCalls()).toBe(before);
  });

  it('refuses NUL bytes and huge keys with 400, and keeps a formula or withheld caller id out of the call', async () => {
    const before = await countCalls();
    const nul = await hook('/voice', inbound(number, twilioSid('CA'), { From: '+3361\u00002345678' }));
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.body).errors).toEqual([expect.objectContaining({ path: 'From', code: 'nul_byte' })]);
    for (const path of ['/status', '/wait?call=' + newId(), '/conference?call=' + newId(), '/client']) {
      expect((await hook(path, { CallSid: 'CA\u0000', CallStatus: 'completed', To: number }).then((r) => r.status)), path).toBe(400);
    }
    expect((await hook(`/voice?keys=${'1'.repeat(200)}`, inbound(number))).status).toBe(400);
    expect(await countCalls()).toBe(before);
    const sid = twilioSid('CA');
    verbs(await hook('/voice', inbound(number, sid, { From: '=HYPERLINK("http://evil")' })));
    expect((await callBySid(sid))!.callerNumber).toBe('anonymous');
    const huge = await hook('/voice', inbound(number, twilioSid('CA'), { From: 'x'.repeat(200_000) }));
    expect([200, 413]).toContain(huge.status);
  });

  it('walks the keypad menu with <Gather>: prompt in the company’s language, a wrong key, silence, a choice', async () => {
    const menuNumber = uniqueNumber();
    await addNumber(h.db, tenant, menuNumber, 'order_taking');
    const audioId = newId();
    const menu: MenuDefinition = {
      root: 'main',
      nodes: {
        main: {
          prompt: { kind: 'tts', text: 'Tapez 1 pour commander, 2 pour nos horaires, 3 pour le service.' },
          choices: [
            { key: '1', label: 'Commander', target: { kind: 'function', function: 'order_taking' } },
            { key: '2', label: 'Horaires', target: { kind: 'message', prompt: { kind: 'tts', text: 'Ouvert tous les jours.' } } },
            { key: '3', label: 'Service', target: { kind: 'menu', node: 'service' } },
          ],
          noInput: { kind: 'function', function: 'order_taking' },
          repeat: 2,
        },
        service: {
          prompt: { kind: 'audio', audioId },
          choices: [{ key: '1', label: 'Réclamation', target: { kind: 'function', function: 'complaints' } }],
          noInput: { kind: 'menu', node: 'main' },
          repeat: 1,
        },
      },
    };
    await withTenant(h.db, tenant.id, (tx) => tx.insertInto('ivrMenus').values({ tenantId: tenant.id, number: menuNumber, definition: jsonb(menu), updatedAt: new Date(), updatedBy: 'test' }).execute());
    const sid = twilioSid('CA');
    const first = verbs(await hook('/voice', inbound(menuNumber, sid)));
    expect(first.map((v) => v.verb)).toEqual(['Gather', 'Redirect']);
    expect(first[0]!.attributes).toMatchObject({ numDigits: '1', action: hookUrl('/voice?keys=') });
    expect(first[0]!.children[0]).toMatchObject({ verb: 'Say', attributes: { language: 'fr-FR', loop: '2' }, text: menu.nodes.main!.prompt.kind === 'tts' ? menu.nodes.main!.prompt.text : '' });
    expect(first[1]!.text).toBe(hookUrl('/voice?keys=_'));
    expect(await callBySid(sid)).toBeUndefined();

    const wrong = verbs(await hook('/voice?keys=', inbound(menuNumber, sid, { Digits: '9' })));
    expect(wrong.map((v) => v.verb)).toEqual(['Say', 'Gather', 'Redirect']);
    expect(wrong[0]!.text).toMatch(/Désolé/);
    expect(wrong[1]!.attributes.action).toBe(hookUrl('/voice?keys=9'));

    const sub = verbs(await hook('/voice?keys=9', inbound(menuNumber, sid, { Digits: '3' })));
    const play = sub[0]!.children[0]!;
    expect(play.verb).toBe('Play');
    expect(play.text).toContain(hookUrl(`/audio/${tenant.id}/${audioId}?exp=`));
    expect(play.text).toMatch(/&sig=[\w-]+$/);

    const hours = verbs(await hook('/voice?keys=', inbound(menuNumber, sid, { Digits: '2' })));
    expect(hours.map((v) => [v.verb, v.text])).toEqual([['Say', 'Ouvert tous les jours.'], ['Hangup', '']]);
    expect(await callBySid(sid)).toBeUndefined();

    const chosen = verbs(await hook('/voice?keys=93', inbound(menuNumber, sid, { Digits: '1' })));
    const call = (await callBySid(sid))!;
    expect(call).toMatchObject({ function: 'complaints', status: 'queued', adapter: 'twilio' });
    expect(chosen[0]!.children[0]!.text).toBe(`sb-${call.id}`);

    // Silence at the root: its no-input target.
    const silentSid = twilioSid('CA');
    verbs(await hook('/voice?keys=_', inbound(menuNumber, silentSid)));
    expect(await callBySid(silentSid)).toMatchObject({ function: 'order_taking', status: 'queued' });

    // Each CallSid's walk is kept for the menu's figures; a walk that ended (the hours message) stays as it ended.
    const visits = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('menuVisits').select(['carrierRef', 'keys', 'outcome', 'function']).where('number', '=', menuNumber).orderBy('startedAt').execute());
    expect(visits).toEqual(
      expect.arrayContaining([
        { carrierRef: sid, keys: '2', outcome: 'message', function: null },
        { carrierRef: silentSid, keys: '_', outcome: 'routed', function: 'order_taking' },
      ]),
    );
    expect(visits).toHaveLength(2);
  });

  it('plays the after-hours action as TwiML: forward, callback, message, announcement', async () => {
    const { tenant: closed } = await seedTenant(h.db);
    const { replaceHours, HoursDefinitionSchema } = await import('@switchboard/api');
    await withTenant(h.db, closed.id, (tx) =>
      replaceHours(
        tx,
        closed.id,
        null,
        HoursDefinitionSchema.parse({
          defaultSchedule: 'Never',
          schedules: [{ name: 'Never', week: {} }],
          functionSchedules: [
            { function: 'order_taking', afterHours: { action: 'forward', forwardTo: '+33145678900' } },
            { function: 'information', afterHours: { action: 'announcement', announcement: 'Nous sommes fermés.' } },
            { function: 'complaints', afterHours: { action: 'callback' } },
            { function: 'data_entry', afterHours: { action: 'message' } },
          ],
        }),
      ),
    );
    const numbers: Record<string, string> = {};
    for (const fn of ['order_taking', 'information', 'complaints', 'data_entry']) {
      numbers[fn] = uniqueNumber();
      await addNumber(h.db, closed, numbers[fn]!, fn);
    }
    const forward = verbs(await hook('/voice', inbound(numbers.order_taking!)));
    expect(forward[0]).toMatchObject({ verb: 'Dial', attributes: { callerId: numbers.order_taking }, children: [{ verb: 'Number', text: '+33145678900' }] });
    const announcement = verbs(await hook('/voice', inbound(numbers.information!)));
    expect(announcement.map((v) => [v.verb, v.text])).toEqual([['Say', 'Nous sommes fermés.'], ['Hangup', '']]);
    const callbackSid = twilioSid('CA');
    const callback = verbs(await hook('/voice', inbound(numbers.complaints!, callbackSid)));
    expect(callback.map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    expect(callback[0]!.text).toMatch(/vous rappellerons/);
    const callbackCall = (await callBySid(callbackSid))!;
    expect(await withTenant(h.db, closed.id, (tx) => tx.selectFrom('callbackRequests').select('callId').where('callId', '=', callbackCall.id).execute())).toHaveLength(1);
    const messageSid = twilioSid('CA');
    const message = verbs(await hook('/voice', inbound(numbers.data_entry!, messageSid)));
    expect(message.map((v) => v.verb)).toEqual(['Say', 'Record', 'Hangup']);
    expect(message[1]!.attributes.recordingStatusCallback).toBe(hookUrl(`/recording?call=${(await callBySid(messageSid))!.id}`));
  });
});

describe('/wait and /hold-music', () => {
  it('announce the caller’s position in the company’s language, then hold music', async () => {
    const first = await queuedCall();
    const second = await queuedCall();
    const queue = await h.db.selectFrom('callQueue').select('callId').where('tenantId', '=', tenant.id).where('function', '=', 'order_taking').orderBy('enqueuedAt').execute();
    const position = queue.findIndex((r) => r.callId === second.id) + 1;
    const wait = verbs(await hook(`/wait?call=${second.id}`, { CallSid: second.sid, AccountSid: fake.accountSid }));
    expect(wait.map((v) => v.verb)).toEqual(['Say', 'Play']);
    expect(wait[0]).toMatchObject({ attributes: { language: 'fr-FR' }, text: `Vous êtes en position ${position}. Merci de patienter.` });
    expect(wait[1]!.text).toMatch(/^http/);
    expect(position).toBeGreaterThan(1);
    void first;
    const hold = verbs(await hook(`/hold-music?call=${second.id}`, { CallSid: second.sid }));
    expect(hold.map((v) => v.verb)).toEqual(['Play']);
  });

  it('play the hold music the company chose among its uploads', async () => {
    const { tenant: own } = await seedTenant(h.db);
    await setHours(h.db, own, alwaysOpen);
    const ownNumber = uniqueNumber();
    await addNumber(h.db, own, ownNumber, 'order_taking');
    const audioId = newId();
    const named = newId();
    const upload = (id: string, name: string, holdMusic: boolean) => ({ tenantId: own.id, id, name, mime: 'audio/mpeg' as const, size: 3, content: new Uint8Array([1, 2, 3]), holdMusic, createdAt: new Date(), createdBy: 'test' });
    // An upload merely named so is not the choice: the one chosen is.
    await withTenant(h.db, own.id, (tx) => tx.insertInto('tenantAudio').values([upload(audioId, 'Jazz trio', true), upload(named, 'Hold music', false)]).execute());
    const call = await queuedCall(ownNumber);
    const wait = verbs(await hook(`/wait?call=${call.id}`, { CallSid: call.sid }));
    expect(wait[0]!.text).toBe('Vous êtes le prochain. Merci de patienter.');
    expect(wait[1]!.text).toContain(hookUrl(`/audio/${own.id}/${audioId}?exp=`));
    const held = verbs(await hook(`/hold-music?call=${call.id}`, { CallSid: call.sid }));
    expect(held[0]!.text).toContain(hookUrl(`/audio/${own.id}/${audioId}?exp=`));
    // None chosen: the carrier's default.
    await withTenant(h.db, own.id, (tx) => tx.updateTable('tenantAudio').set({ holdMusic: false }).execute());
    const plain = verbs(await hook(`/hold-music?call=${call.id}`, { CallSid: call.sid }));
    expect(plain[0]!.text).not.toContain('/audio/');
  });

  it('never reach another call: an unknown id, another leg’s CallSid or another tenant’s call answer 404', async () => {
    const mine = await queuedCall();
    const theirs = await queuedCall(otherNumber);
    expect((await hook(`/wait?call=${newId()}`, { CallSid: mine.sid })).status).toBe(404);
    expect((await hook(`/wait?call=not-a-uuid`, { CallSid: mine.sid })).status).toBe(404);
    expect((await hook(`/wait?call=${theirs.id}`, { CallSid: mine.sid })).status).toBe(404);
    expect((await hook(`/hold-music?call=${mine.id}`, { CallSid: theirs.sid })).status).toBe(404);
    expect((await hook(`/hold-music?call=${mine.id}`, {})).status).toBe(404);
  });
});

describe('/status and /conference', () => {
  it('ends a waiting call as abandoned by the caller when the customer hangs up, once', async () => {
    const call = await queuedCall();
    clock.advance(30_000);
    expect((await hook('/status', { ...inbound(number, call.sid), CallStatus: 'completed' })).status).toBe(200);
    expect(await callBySid(call.sid)).toMatchObject({ status: 'abandoned', endedBy: 'caller' });
    expect(await h.db.selectFrom('callQueue').select('callId').where('callId', '=', call.id).execute()).toEqual([]);
    const events = () => h.db.selectFrom('callEvents').select('kind').where('callId', '=', call.id).where('kind', '=', 'abandoned').execute();
    expect(await events()).toHaveLength(1);
    await hook('/status', { ...inbound(number, call.sid), CallStatus: 'completed' });
    expect(await events()).toHaveLength(1);
  });

  it('ignores a progress status, an unknown CallSid, and another tenant’s call named through this tenant’s number', async () => {
    const call = await queuedCall();
    const theirs = await queuedCall(otherNumber);
    expect((await hook('/status', { ...inbound(number, call.sid), CallStatus: 'in-progress' })).status).toBe(200);
    expect((await hook('/status', { ...inbound(number, twilioSid('CA')), CallStatus: 'completed' })).status).toBe(200);
    expect((await hook('/status', { ...inbound(number, theirs.sid), CallStatus: 'completed' })).status).toBe(200);
    expect(await callBySid(call.sid)).toMatchObject({ status: 'queued', endedAt: null });
    expect(await callBySid(theirs.sid)).toMatchObject({ status: 'queued', endedAt: null });
  });

  async function connected(): Promise<{ sid: string; id: string; operatorId: string }> {
    const call = await queuedCall();
    const operator = await seedRoutedOperator(h.db, [[tenant, {}]]);
    await withTenant(h.db, tenant.id, async (tx) => {
      await tx.deleteFrom('callQueue').where('callId', '=', call.id).execute();
      await tx.updateTable('calls').set({ status: 'connected', operatorId: operator.id, answeredAt: clock.now() }).where('id', '=', call.id).execute();
    });
    return { ...call, operatorId: operator.id };
  }

  it('ends a connected call as hung up by the operator when the operator’s leg leaves the conference', async () => {
    const call = await connected();
    const leave = (extra: Record<string, string>) =>
      hook(`/conference?call=${call.id}`, { StatusCallbackEvent: 'participant-leave', FriendlyName: `sb-${call.id}`, ParticipantLabel: 'operator', CallSid: twilioSid('CA'), ConferenceSid: twilioSid('CF'), ...extra });
    // The caller leaving, someone joining, another conference's name: nothing.
    await leave({ ParticipantLabel: 'caller' });
    await leave({ StatusCallbackEvent: 'participant-join' });
    await leave({ FriendlyName: `sb-${newId()}` });
    expect(await callBySid(call.sid)).toMatchObject({ status: 'connected', endedAt: null });
    clock.advance(60_000);
    expect((await leave({})).status).toBe(200);
    expect(await callBySid(call.sid)).toMatchObject({ status: 'wrap_up', endedBy: 'operator' });
  });

  it('leaves a call that is not connected alone (a requeue or a handover removes the operator on purpose)', async () => {
    const call = await queuedCall();
    await hook(`/conference?call=${call.id}`, { StatusCallbackEvent: 'participant-leave', FriendlyName: `sb-${call.id}`, ParticipantLabel: 'operator' });
    expect(await callBySid(call.sid)).toMatchObject({ status: 'queued', endedAt: null });
  });
});

describe('/client', () => {
  it('tells a browser leg that dials out that it cannot, and hangs up', async () => {
    const twiml = verbs(await hook('/client', { CallSid: twilioSid('CA'), From: 'client:op-1', To: '+33612345678' }));
    expect(twiml.map((v) => v.verb)).toEqual(['Say', 'Hangup']);
  });
});

describe('call control (the executor handlers)', () => {
  let seq = 0;
  async function run<K extends CommandKind>(kind: K, payload: CommandPayload<K>, tenantId = tenant.id): Promise<void> {
    const account = { accountSid: fake.accountSid, authToken: fake.authToken, apiKeySid: null, apiKeySecret: null, twimlAppSid: null };
    const ctx: TwilioCommandContext<K> = {
      db: h.db,
      config: testConfig({ PUBLIC_URL: base, TWILIO_API_URL: fake.url }),
      account,
      client: twilioClient(account, fake.url),
      now: clock.now(),
      tenantId,
      command: { id: `cmd-${++seq}`, kind, payload, callId: (payload as { callId?: string }).callId ?? null, dialId: null },
    };
    await executeTwilioCommand(ctx as unknown as TwilioCommandContext);
  }
  /** A call whose customer leg is in its conference, as after /voice. */
  async function inConference(): Promise<{ sid: string; id: string; participants: () => Map<string, Record<string, any>> }> {
    const call = await queuedCall();
    const participants = new Map<string, Record<string, any>>([[call.sid, { call_sid: call.sid, label: 'caller', hold: false, muted: false }]]);
    fake.conferences.set(`sb-${call.id}`, participants);
    return { ...call, participants: () => fake.conferences.get(`sb-${call.id}`) ?? new Map() };
  }
  const byLabel = (participants: Map<string, Record<string, any>>, label: string) => [...participants.values()].find((p) => p.label === label);
  beforeEach(() => {
    fake.mode = 'up';
  });

  it('bridge: the operator’s browser leg joins from the dialled number, the dual-channel recording starts, once', async () => {
    const call = await inConference();
    const operatorId = newId();
    const payload = { callId: call.id, operatorId, leg: { kind: 'browser' as const, address: `client:op-${operatorId}` }, record: 'on' as const };
    await run('bridge', payload);
    await run('bridge', payload);
    const operator = byLabel(call.participants(), 'operator')!;
    expect(operator).toMatchObject({ to: `client:op-${operatorId}`, from: number });
    expect([...call.participants().values()].filter((p) => p.label === 'operator')).toHaveLength(1);
    const recordings = fake.requestsTo('POST', `/Calls/${call.sid}/Recordings.json`);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]!.params).toMatchObject({ RecordingChannels: 'dual', RecordingStatusCallback: hookUrl(`/recording?call=${call.id}`) });
  });

  it('bridge: a desk leg dials nobody, a record off starts nothing, a record paused starts paused', async () => {
    const call = await inConference();
    await run('bridge', { callId: call.id, operatorId: newId(), leg: { kind: 'desk', address: null }, record: 'off' });
    expect(byLabel(call.participants(), 'operator')).toBeUndefined();
    expect(fake.requestsTo('POST', `/Calls/${call.sid}/Recordings.json`)).toHaveLength(0);
    const paused = await inConference();
    await run('bridge', { callId: paused.id, operatorId: newId(), leg: { kind: 'phone', address: '+33611111111' }, record: 'paused' });
    expect([...fake.recordings.values()].find((r) => r.call_sid === paused.sid)).toMatchObject({ status: 'paused', channels: 2 });
  });

  it('hold and resume the caller with the hold music; mute and unmute the operator', async () => {
    const call = await inConference();
    await run('bridge', { callId: call.id, operatorId: newId(), leg: { kind: 'sip', address: 'sip:op@pbx.example' }, record: 'off' });
    await run('hold', { callId: call.id });
    expect(byLabel(call.participants(), 'caller')).toMatchObject({ hold: true, hold_url: hookUrl(`/hold-music?call=${call.id}`) });
    await run('resume', { callId: call.id });
    expect(byLabel(call.participants(), 'caller')!.hold).toBe(false);
    await run('mute', { callId: call.id });
    expect(byLabel(call.participants(), 'operator')!.muted).toBe(true);
    await run('unmute', { callId: call.id });
    expect(byLabel(call.participants(), 'operator')!.muted).toBe(false);
  });

  it('consult, cancel, consult again, conference, handover', async () => {
    const call = await inConference();
    await run('bridge', { callId: call.id, operatorId: newId(), leg: { kind: 'phone', address: '+33611111111' }, record: 'off' });
    await run('consult', { callId: call.id, target: '+33622222222', label: 'Comptabilité' });
    expect(byLabel(call.participants(), 'caller')!.hold).toBe(true);
    expect(byLabel(call.participants(), 'target')).toMatchObject({ to: '+33622222222', from: number });
    await run('consult_cancel', { callId: call.id });
    expect(byLabel(call.participants(), 'target')).toBeUndefined();
    expect(byLabel(call.participants(), 'caller')!.hold).toBe(false);
    await run('consult_cancel', { callId: call.id });
    await run('consult', { callId: call.id, target: '+33622222222', label: 'Comptabilité' });
    await run('conference', { callId: call.id, target: '+33622222222', label: 'Comptabilité' });
    expect([...call.participants().values()].map((p) => p.label).sort()).toEqual(['caller', 'operator', 'target']);
    expect(byLabel(call.participants(), 'caller')!.hold).toBe(false);
    await run('consult_handover', { callId: call.id });
    expect([...call.participants().values()].map((p) => p.label).sort()).toEqual(['caller', 'target']);
    await run('consult_handover', { callId: call.id });
  });

  it('requeue: the caller waits again (wait URL: position and music), the operator leaves', async () => {
    const call = await inConference();
    await run('bridge', { callId: call.id, operatorId: newId(), leg: { kind: 'phone', address: '+33611111111' }, record: 'off' });
    await run('requeue', { callId: call.id });
    expect(byLabel(call.participants(), 'operator')).toBeUndefined();
    expect(byLabel(call.participants(), 'caller')).toMatchObject({ hold: true, hold_url: hookUrl(`/wait?call=${call.id}`) });
    await run('bridge', { callId: call.id, operatorId: newId(), leg: { kind: 'phone', address: '+33633333333' }, record: 'off' });
    expect(byLabel(call.participants(), 'caller')!.hold).toBe(false);
  });

  it('redirect: forward with the company’s number shown, announcement, callback, message', async () => {
    const call = await inConference();
    const redirect = async (action: 'forward' | 'callback' | 'message' | 'announcement', forwardTo: string | null = null, announcement: string | null = null) => {
      await run('redirect', { callId: call.id, action, forwardTo, announcement, reason: 'test' });
      return twimlVerbs(fake.calls.get(call.sid)!.twiml);
    };
    const forward = await redirect('forward', '+33144444444');
    expect(find(forward, 'Dial')).toMatchObject({ attributes: { callerId: number }, children: [{ verb: 'Number', text: '+33144444444' }] });
    expect((await redirect('forward', 'sip:desk@pbx.example')).find((v) => v.verb === 'Dial')!.children[0]).toMatchObject({ verb: 'Sip', text: 'sip:desk@pbx.example' });
    expect((await redirect('announcement', null, 'Au revoir.')).map((v) => [v.verb, v.text])).toEqual([['Say', 'Au revoir.'], ['Hangup', '']]);
    expect((await redirect('callback')).map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    expect((await redirect('message')).map((v) => v.verb)).toEqual(['Say', 'Record', 'Hangup']);
    // A forward to an e-mail address cannot be dialled: a voicemail instead.
    expect((await redirect('forward', 'ventes@example.test')).map((v) => v.verb)).toEqual(['Say', 'Record', 'Hangup']);
  });

  it('hang_up ends the customer’s leg; with a survey, hands it to the survey’s TwiML instead', async () => {
    const call = await inConference();
    await run('hang_up', { callId: call.id, survey: null });
    expect(fake.calls.get(call.sid)!.status).toBe('completed');
    expect(fake.requestsTo('POST', `/Calls/${call.sid}.json`).at(-1)!.params).toEqual({ Status: 'completed' });

    const surveyed = await inConference();
    const survey = { questions: [{ id: 'score', prompt: 'Notez-nous de 1 à 5', digits: ['1', '2', '3', '4', '5'] }], answerBy: '2026-12-01T10:05:00Z' };
    await run('hang_up', { callId: surveyed.id, survey });
    expect(vi.mocked(surveyTwiml)).toHaveBeenCalledWith(expect.objectContaining({ publicUrl: base }), surveyed.id, survey, 'fr-FR');
    expect(twimlVerbs(fake.calls.get(surveyed.sid)!.twiml)).toEqual([{ verb: 'Say', attributes: {}, text: 'survey', children: [] }]);
    expect(fake.calls.get(surveyed.sid)!.status).not.toBe('completed');
  });

  it('throws (to be retried) while Twilio is down, and never reaches another tenant’s call', async () => {
    const call = await inConference();
    fake.mode = 'unavailable';
    await expect(run('hold', { callId: call.id })).rejects.toMatchObject({ status: 503 });
    await expect(run('hang_up', { callId: call.id, survey: null })).rejects.toMatchObject({ status: 503 });
    fake.mode = 'up';
    const theirs = await queuedCall(otherNumber);
    const before = fake.requests.length;
    await expect(run('hang_up', { callId: theirs.id, survey: null })).rejects.toThrow(/not this tenant/);
    await expect(run('bridge', { callId: theirs.id, operatorId: newId(), leg: { kind: 'phone', address: '+33611111111' }, record: 'on' })).rejects.toThrow(/not this tenant/);
    expect(fake.requests.length).toBe(before);
  });
});

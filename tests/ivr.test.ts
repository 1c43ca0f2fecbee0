import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { audioUrl } from '../api/src/ivr/audio-url.ts';
import { structuralProblems } from '../api/src/ivr/service.ts';
import type { MenuDefinition } from '../api/src/ivr/menu.ts';
import { actorFor, createClock, createHarness, logIn, testConfig, seedClientUser, seedOperator, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, setHours, telephony, uniqueNumber } from './support/routing.ts';

/** Keypad menus per number (issue 17, docs/ivr.md): validation, the routes, audio, and the HTTP boundary's walk. */
let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let other: Tenant;
let number: string;
let otherNumber: string;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let otherAdmin: Client;

const menus = (t: Tenant = tenant, n = '') => `/api/t/${t.slug}/ivr-menus${n ? `/${encodeURIComponent(n)}` : ''}`;
const audio = (t: Tenant = tenant, id = '') => `/api/t/${t.slug}/audio${id ? `/${id}` : ''}`;
const mp3 = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(200, 1)]);
const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE'), Buffer.alloc(100, 2)]);

const menu: MenuDefinition = {
  root: 'main',
  nodes: {
    main: {
      prompt: { kind: 'tts', text: 'Pour commander, tapez 1. Pour une information, tapez 2. Pour nos horaires, tapez 3.' },
      choices: [
        { key: '1', label: 'Commandes', target: { kind: 'function', function: 'order_taking' } },
        { key: '2', label: 'Informations', target: { kind: 'menu', node: 'info' } },
        { key: '3', label: 'Horaires', target: { kind: 'message', prompt: { kind: 'tts', text: 'Nous sommes ouverts de 8 h à 20 h.' } } },
      ],
      noInput: { kind: 'function', function: 'information' },
      repeat: 2,
    },
    info: {
      prompt: { kind: 'tts', text: 'Tapez 1 pour un conseiller, étoile pour revenir.' },
      choices: [
        { key: '1', label: 'Conseiller', target: { kind: 'function', function: 'information' } },
        { key: '9', label: 'Message', target: { kind: 'after_hours', function: 'information' } },
        { key: '*', label: 'Retour', target: { kind: 'menu', node: 'main' } },
      ],
      noInput: { kind: 'menu', node: 'main' },
      repeat: 1,
    },
  },
};

async function delegate(t: Tenant, fns: string[]) {
  await withTenant(h.db, t.id, (tx) =>
    tx
      .insertInto('delegations')
      .values(fns.map((f) => ({ tenantId: t.id, function: f, delegated: true, inHousePhone: null, inHouseEmail: null, expectedMonthlyVolume: 100, updatedAt: clock.now(), updatedBy: 'test' })))
      .execute(),
  );
}

beforeAll(async () => {
  h = await createHarness({ PUBLIC_URL: 'https://switchboard.example' });
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Pizzeria Test', locale: 'fr-FR' }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Autre' }));
  await setHours(h.db, tenant, alwaysOpen);
  await delegate(tenant, ['order_taking', 'information', 'telesales']);
  await delegate(other, ['order_taking']);
  number = uniqueNumber();
  otherNumber = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addNumber(h.db, other, otherNumber, 'order_taking');
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(app, await seedOperator(h.db, [tenant]));
  otherAdmin = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
});
afterAll(() => h?.close());

describe('validation', () => {
  it('accepts a menu where every node is reachable and every node has a way out', () => {
    expect(structuralProblems(menu)).toEqual([]);
  });

  it('names each dead end, unreachable node, missing node and repeated key by its path', () => {
    const broken: MenuDefinition = {
      root: 'main',
      nodes: {
        main: { prompt: { kind: 'tts', text: 'x' }, choices: [{ key: '1', label: '', target: { kind: 'menu', node: 'loop' } }, { key: '1', label: '', target: { kind: 'menu', node: 'ghost' } }], noInput: { kind: 'menu', node: 'loop' }, repeat: 1 },
        loop: { prompt: { kind: 'tts', text: 'y' }, choices: [{ key: '#', label: '', target: { kind: 'menu', node: 'main' } }], noInput: { kind: 'menu', node: 'main' }, repeat: 1 },
        orphan: { prompt: { kind: 'tts', text: 'z' }, choices: [], noInput: { kind: 'function', function: 'information' }, repeat: 1 },
      },
    };
    const problems = structuralProblems(broken).map((e) => [e.path, e.code]);
    expect(problems).toEqual(
      expect.arrayContaining([
        ['definition.nodes.main.choices.1.key', 'listed_twice'],
        ['definition.nodes.main.choices.1.target.node', 'ivr.no_such_node'],
        ['definition.nodes.orphan', 'ivr.unreachable'],
        ['definition.nodes.main', 'ivr.dead_end'],
        ['definition.nodes.loop', 'ivr.dead_end'],
      ]),
    );
    expect(structuralProblems({ ...menu, root: 'nowhere' }).map((e) => e.code)).toContain('ivr.no_such_node');
  });
});

describe('the menu routes', () => {
  it('client admins save a menu (audited); members and operators read it but may not change it', async () => {
    const saved = await clientAdmin.put(menus(tenant, number), { enabled: true, definition: menu });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ number, function: 'order_taking', enabled: true, definition: menu });
    for (const who of [clientMember]) {
      expect((await who.get(menus())).body.menus).toEqual([expect.objectContaining({ number, definition: menu })]);
      expect((await who.put(menus(tenant, number), { enabled: false, definition: menu })).status).toBe(403);
    }
    // Operators work the calls the menu routes; the menus are the company's and the provider's staff's to see.
    expect((await operator.get(menus())).status).toBe(403);
    const audit = await h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenant.id).where('action', '=', 'ivr_menu.saved').execute();
    expect(audit).toEqual([expect.objectContaining({ targetId: number, before: null, after: { enabled: true, definition: menu } })]);
  });

  it('refuses a menu with problems with a 400 naming each field, and changes nothing', async () => {
    const bad = structuredClone(menu);
    bad.nodes.main!.choices[0]!.target = { kind: 'function', function: 'complaints' };
    bad.nodes.info!.choices[0]!.target = { kind: 'function', function: 'telesales' };
    bad.nodes.main!.prompt = { kind: 'audio', audioId: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' };
    const res = await clientAdmin.put(menus(tenant, number), { enabled: true, definition: bad });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string; code: string }) => [e.path, e.code])).toEqual(
      expect.arrayContaining([
        ['definition.nodes.main.choices.0.target.function', 'ivr.not_delegated'],
        ['definition.nodes.info.choices.0.target.function', 'ivr.not_delegated'],
        ['definition.nodes.main.prompt.audioId', 'ivr.no_such_audio'],
      ]),
    );
    const shape = await clientAdmin.put(menus(tenant, number), { enabled: true, definition: { root: 'Main!', nodes: {} } });
    expect(shape.status).toBe(400);
    expect(shape.body.errors[0].path).toMatch(/^definition\.root/);
    const nul = await clientAdmin.put(menus(tenant, number), { enabled: true, definition: { ...menu, nodes: { ...menu.nodes, main: { ...menu.nodes.main!, prompt: { kind: 'tts', text: 'a\u0000b' } } } } });
    expect(nul.status).toBe(400);
    expect((await clientAdmin.get(menus(tenant, number))).body.definition).toEqual(menu);
  });

  it('redacts a card number typed in a prompt or a choice label before it is stored or spoken', async () => {
    const card = '4111 1111 1111 1111';
    const withCard: MenuDefinition = {
      ...menu,
      nodes: {
        ...menu.nodes,
        main: { ...menu.nodes.main!, prompt: { kind: 'tts', text: `Say your card ${card}` }, choices: menu.nodes.main!.choices.map((c, i) => (i === 0 ? { ...c, label: `card ${card}` } : c)) },
      },
    };
    const saved = await clientAdmin.put(menus(tenant, number), { enabled: true, definition: withCard });
    expect(saved.status).toBe(200);
    const stored = JSON.stringify(await h.db.selectFrom('ivrMenus').select('definition').where('tenantId', '=', tenant.id).where('number', '=', number).executeTakeFirstOrThrow());
    expect(stored).not.toMatch(/4111\s?1111\s?1111/);
    expect(stored).toContain('Say your card');
    expect((await clientAdmin.put(menus(tenant, number), { enabled: true, definition: menu })).status).toBe(200);
  });

  it("another company's number is not found, and its admin cannot see this one", async () => {
    expect((await clientAdmin.put(menus(tenant, otherNumber), { enabled: true, definition: menu })).status).toBe(404);
    expect((await otherAdmin.get(menus(tenant, number))).status).toBe(404);
    expect((await otherAdmin.get(menus(other))).body.menus).toEqual([expect.objectContaining({ number: otherNumber, definition: null })]);
  });
});

describe('audio', () => {
  it('takes MP3 and WAV by their bytes, refuses anything else or over 5 MB, and serves it back', async () => {
    const up = await clientAdmin.post(audio(), { name: 'Bienvenue', content: mp3.toString('base64') });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ name: 'Bienvenue', mime: 'audio/mpeg', size: mp3.length, usedBy: [] });
    expect((await clientAdmin.post(audio(), { name: 'Wave', content: wav.toString('base64') })).body.mime).toBe('audio/wav');
    const fake = await clientAdmin.post(audio(), { name: 'song.mp3', content: Buffer.from('<html>not audio</html>').toString('base64') });
    expect(fake.status).toBe(400);
    expect(fake.body.errors).toEqual([expect.objectContaining({ path: 'content', code: 'ivr.audio_format' })]);
    const huge = await clientAdmin.post(audio(), { name: 'Big', content: Buffer.concat([Buffer.from('ID3'), Buffer.alloc(5 * 1024 * 1024)]).toString('base64') });
    expect(huge.status).toBe(400);
    expect(huge.body.errors[0].path).toBe('content');
    expect((await clientMember.post(audio(), { name: 'x', content: mp3.toString('base64') })).status).toBe(403);
    const listen = await app.request(audio(tenant, up.body.id), { headers: { cookie: `sb_session=${clientMember.token}` } });
    expect(listen.status).toBe(200);
    expect(listen.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await listen.arrayBuffer()).equals(mp3)).toBe(true);
    expect((await otherAdmin.get(audio(tenant, up.body.id))).status).toBe(404);
    expect((await otherAdmin.get(audio(other))).body.audio).toEqual([]);
    const listed = (await clientMember.get(audio())).body.audio.map((a: { name: string }) => a.name);
    expect(listed.sort()).toEqual(['Bienvenue', 'Wave']);
  });

  it('is refused deletion while a menu plays it, and deleted once no menu does', async () => {
    const up = await clientAdmin.post(audio(), { name: 'Accueil', content: mp3.toString('base64') });
    const withAudio = structuredClone(menu);
    withAudio.nodes.main!.prompt = { kind: 'audio', audioId: up.body.id };
    expect((await clientAdmin.put(menus(tenant, number), { enabled: true, definition: withAudio })).status).toBe(200);
    const refused = await clientAdmin.delete(audio(tenant, up.body.id));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'audio_in_use', params: { numbers: [number] } });
    expect((await clientAdmin.get(audio())).body.audio.find((a: { id: string }) => a.id === up.body.id).usedBy).toEqual([number]);
    expect((await clientAdmin.put(menus(tenant, number), { enabled: true, definition: menu })).status).toBe(200);
    expect((await clientAdmin.delete(audio(tenant, up.body.id))).status).toBe(204);
    expect((await clientAdmin.get(audio(tenant, up.body.id))).status).toBe(404);
  });

  it("is chosen as the company's hold music by its admins only, one at a time, audited; another company's upload or a hostile id changes nothing", async () => {
    const holdMusic = (t: Tenant = tenant) => `/api/t/${t.slug}/hold-music`;
    const first = await clientAdmin.post(audio(), { name: 'Jazz', content: mp3.toString('base64') });
    const second = await clientAdmin.post(audio(), { name: 'Piano', content: mp3.toString('base64') });
    const chosen = () => clientMember.get(audio()).then((r) => r.body.audio.filter((a: { holdMusic: boolean }) => a.holdMusic).map((a: { id: string }) => a.id));
    expect(first.body.holdMusic).toBe(false);
    expect((await clientAdmin.put(holdMusic(), { audioId: first.body.id })).body).toEqual({ audioId: first.body.id });
    expect(await chosen()).toEqual([first.body.id]);
    expect((await clientAdmin.put(holdMusic(), { audioId: second.body.id })).status).toBe(200);
    expect(await chosen()).toEqual([second.body.id]);
    const audits = await h.db.selectFrom('auditLog').select(['before', 'after']).where('tenantId', '=', tenant.id).where('action', '=', 'audio.hold_music').orderBy('at').orderBy('id').execute();
    expect(audits).toEqual([
      { before: { audioId: null }, after: { audioId: first.body.id } },
      { before: { audioId: first.body.id }, after: { audioId: second.body.id } },
    ]);

    // Read-only members, operators and another company's admin cannot choose; another company's upload is not one of ours.
    for (const who of [clientMember, operator]) expect((await who.put(holdMusic(), { audioId: first.body.id })).status).toBe(403);
    expect((await otherAdmin.put(holdMusic(), { audioId: first.body.id })).status).toBe(404);
    const theirs = await otherAdmin.put(holdMusic(other), { audioId: second.body.id });
    expect(theirs.status).toBe(400);
    expect(theirs.body.errors).toEqual([expect.objectContaining({ path: 'audioId', code: 'ivr.no_such_audio' })]);
    for (const audioId of ["x'; drop table tenant_audio;--", 'a\u0000b', '=HYPERLINK("http://x")', 'x'.repeat(10_000), 42]) {
      const bad = await clientAdmin.put(holdMusic(), { audioId });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['audioId']);
    }
    expect((await clientAdmin.put(holdMusic(), { audioId: second.body.id, extra: 1 })).status).toBe(400);
    expect(await chosen()).toEqual([second.body.id]);

    // Back to the default; deleting the chosen upload also leaves the default.
    expect((await clientAdmin.put(holdMusic(), { audioId: null })).body).toEqual({ audioId: null });
    expect(await chosen()).toEqual([]);
    expect((await clientAdmin.put(holdMusic(), { audioId: first.body.id })).status).toBe(200);
    expect((await clientAdmin.delete(audio(tenant, first.body.id))).status).toBe(204);
    expect(await chosen()).toEqual([]);
  });

  it("Twilio's signed URL plays the audio until it expires; a forged, expired or other tenant's URL is 404", async () => {
    const up = await clientAdmin.post(audio(), { name: 'Musique', content: wav.toString('base64') });
    const config = testConfig({ PUBLIC_URL: 'https://switchboard.example' });
    const url = new URL(audioUrl(config, tenant.id, up.body.id, clock.now()));
    expect(url.pathname).toBe(`/api/twilio/hooks/audio/${tenant.id}/${up.body.id}`);
    const played = await app.request(url.pathname + url.search);
    expect(played.status).toBe(200);
    expect(played.headers.get('content-type')).toBe('audio/wav');
    const forged = new URL(url);
    forged.searchParams.set('sig', 'A'.repeat(43));
    expect((await app.request(forged.pathname + forged.search)).status).toBe(404);
    const swapped = `/api/twilio/hooks/audio/${other.id}/${up.body.id}${url.search}`;
    expect((await app.request(swapped)).status).toBe(404);
    const later = createClock(new Date(clock.now().getTime() + 7 * 3600_000));
    expect((await h.buildApp({ clock: later }).request(url.pathname + url.search)).status).toBe(404);
  });
});

describe('the HTTP boundary walks the menu', () => {
  it('answers the menu step by step, then makes the call with the chosen function and a menu event', async () => {
    const call = incomingCall(number);
    const first = await telephony(app, clock, 'POST', '/api/telephony/calls', call);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      outcome: 'menu',
      tenant: tenant.slug,
      keys: '',
      node: 'main',
      prompt: { kind: 'tts', text: menu.nodes.main!.prompt.kind === 'tts' ? menu.nodes.main!.prompt.text : '', language: 'fr-FR' },
      choices: [
        { key: '1', label: 'Commandes' },
        { key: '2', label: 'Informations' },
        { key: '3', label: 'Horaires' },
      ],
      repeat: 2,
      invalid: false,
    });
    const wrong = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...call, keys: '7' });
    expect(wrong.body).toMatchObject({ outcome: 'menu', node: 'main', invalid: true });
    const sub = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...call, keys: '72' });
    expect(sub.body).toMatchObject({ outcome: 'menu', node: 'info', repeat: 1, invalid: false });
    expect(await h.db.selectFrom('calls').select('id').where('externalId', '=', call.callId).execute()).toEqual([]);

    const routed = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...call, keys: '721' });
    expect(routed.body).toMatchObject({ outcome: 'queued', function: 'information', tenant: tenant.slug });
    const events = await h.db.selectFrom('callEvents').select(['kind', 'detail']).where('callId', '=', routed.body.id).orderBy('at').orderBy('id').execute();
    expect(events.map((e) => e.kind)).toEqual(['offered', 'menu', 'queued']);
    expect(events[1]!.detail).toEqual({ keys: '721', function: 'information' });
    const queue = await h.db.selectFrom('callQueue').select('function').where('callId', '=', routed.body.id).executeTakeFirstOrThrow();
    expect(queue.function).toBe('information');
    // The same report again (signed a second later) answers the same call.
    clock.advance(1000);
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', { ...call, keys: '721' })).body.id).toBe(routed.body.id);
  });

  it('no input goes where the node says; a message plays and hangs up without a call; after_hours is the function’s action', async () => {
    const silent = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...incomingCall(number), keys: '_' });
    expect(silent.body).toMatchObject({ outcome: 'queued', function: 'information' });
    const call = incomingCall(number);
    const message = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...call, keys: '3' });
    expect(message.body).toMatchObject({ outcome: 'hang_up', node: null, prompt: { kind: 'tts', text: 'Nous sommes ouverts de 8 h à 20 h.', language: 'fr-FR' } });
    expect(await h.db.selectFrom('calls').select('id').where('externalId', '=', call.callId).execute()).toEqual([]);
    const closed = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...incomingCall(number), keys: '29' });
    expect(closed.body).toMatchObject({ outcome: 'message', function: 'information' });
    const row = await h.db.selectFrom('calls').select(['status', 'afterHoursAction']).where('id', '=', closed.body.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'after_hours', afterHoursAction: 'message' });
  });

  it("keeps where each caller got to: the number's figures count who reached a service, heard a message or hung up in the menu, and where", async () => {
    const own = uniqueNumber();
    await addNumber(h.db, tenant, own, 'order_taking');
    expect((await clientAdmin.put(menus(tenant, own), { enabled: true, definition: menu })).status).toBe(200);
    const stats = (who: Client, query = '') => who.get(`${menus(tenant, own)}/stats${query}`);
    expect((await stats(clientMember)).body).toMatchObject({ number: own, entered: 0, routed: 0, message: 0, abandoned: 0, inMenu: 0, byDay: [] });

    const walk = async (keys: string[]) => {
      const call = incomingCall(own);
      for (const k of keys) await telephony(app, clock, 'POST', '/api/telephony/calls', { ...call, ...(k ? { keys: k } : {}) });
      return call;
    };
    await walk(['', '1']); // to the orders queue
    await walk(['', '2']); // into the information sub-menu, then hangs up there
    await walk(['3']); // the opening hours message
    const byCarrier = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('menuVisits').select(['keys', 'node', 'outcome', 'function']).where('number', '=', own).orderBy('startedAt').orderBy('id').execute());
    expect(byCarrier).toEqual([
      { keys: '1', node: null, outcome: 'routed', function: 'order_taking' },
      { keys: '2', node: 'info', outcome: 'in_menu', function: null },
      { keys: '3', node: null, outcome: 'message', function: null },
    ]);
    clock.advance(6 * 60_000);
    await walk(['']); // in the menu right now
    const figures = await stats(clientMember);
    expect(figures.status).toBe(200);
    expect(figures.body).toMatchObject({
      entered: 4,
      routed: 1,
      message: 1,
      abandoned: 1,
      inMenu: 1,
      byFunction: [{ function: 'order_taking', count: 1 }],
      abandonedAt: [{ node: 'info', count: 1 }],
      byDay: [{ day: '2026-12-01', routed: 1, message: 1, abandoned: 1 }],
    });
    expect((await stats(clientMember, '?days=1')).body.entered).toBe(4);

    // Another company sees none of it, and bad ranges name the field.
    expect((await otherAdmin.get(`${menus(tenant, own)}/stats`)).status).toBe(404);
    expect((await otherAdmin.get(`${menus(other, own)}/stats`)).status).toBe(404);
    for (const days of ['0', '91', 'abc', '1e3', "1';--"]) {
      const bad = await stats(clientAdmin, `?days=${encodeURIComponent(days)}`);
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['days']);
    }
    expect((await otherAdmin.get(`${menus(other, otherNumber)}/stats`)).body.entered).toBe(0);
    // A hostile number is a 400 naming it, never a query.
    for (const bad of ['+3314286\u00008201', '=HYPERLINK("x")', "+33' or 1=1--", '4970 1012 3456 7893']) {
      const res = await clientMember.get(`${menus(tenant, bad)}/stats`);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['number']);
    }
  });

  it('an audio prompt is a signed URL; keys are checked at the edge; a disabled menu routes as before', async () => {
    const up = await clientAdmin.post(audio(), { name: 'Prompt', content: mp3.toString('base64') });
    const withAudio = structuredClone(menu);
    withAudio.nodes.main!.prompt = { kind: 'audio', audioId: up.body.id };
    await clientAdmin.put(menus(tenant, number), { enabled: true, definition: withAudio });
    const step = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
    expect(step.body.prompt.kind).toBe('audio');
    const url = new URL(step.body.prompt.url);
    expect(url.origin).toBe('https://switchboard.example');
    expect((await app.request(url.pathname + url.search)).status).toBe(200);

    const bad = await telephony(app, clock, 'POST', '/api/telephony/calls', { ...incomingCall(number), keys: '1a' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('keys');

    await clientAdmin.put(menus(tenant, number), { enabled: false, definition: withAudio });
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body).toMatchObject({ outcome: 'queued', function: 'order_taking' });
    expect((await clientAdmin.delete(menus(tenant, number))).status).toBe(204);
    expect((await clientAdmin.get(menus(tenant, number))).body.definition).toBeNull();
    expect(await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).where('action', '=', 'ivr_menu.deleted').execute()).toHaveLength(1);
  });
});

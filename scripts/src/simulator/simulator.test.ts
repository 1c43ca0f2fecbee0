import { walkMenu, type MenuDefinition } from '@switchboard/api/ivr';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTelephonySignature } from '@switchboard/api/telephony-signature';
import { TelephonyClient } from './boundary.ts';
import { Simulator, type SimulatorEvent, type SimulatorOptions } from './simulator.ts';
import type { Line } from './traffic.ts';

const secret = 'a-test-secret-that-is-long-enough-for-it';
const lines: Line[] = [
  { number: '+33142000001', tenant: 'pizza-napoli', function: 'order_taking', timeZone: 'Europe/Paris' },
  { number: '+33142000009', tenant: 'pizza-napoli', function: 'information', timeZone: 'Europe/Paris' },
];

interface FakeCall {
  id: string;
  externalId: string;
  caller: string;
  status: string;
  answered: number;
  endedBy: string[];
  recordings: string[];
  surveys: unknown[];
  /** The operator ended it: only then is its caller surveyed. */
  operatorEnded?: boolean;
}

/**
 * The boundary as the contract describes it, in memory: checks every signature, refuses replays,
 * queues calls to the first number and announces the closed hours on the second.
 */
function fakeBoundary(options: { connect?: 'never' | 'at-once'; operatorEndsAfterPolls?: number; recording?: (poll: number) => 'on' | 'paused' | 'off'; survey?: boolean; menu?: MenuDefinition } = {}) {
  const calls = new Map<string, FakeCall>();
  /** The keys each call's requests carried, in order (a number with `menu` answers `outcome: 'menu'` until the walk leaves it). */
  const keyed = new Map<string, string[]>();
  /** The function each call joined once through the menu. */
  const joined = new Map<string, string>();
  const seen = new Set<string>();
  const refused: string[] = [];
  const polls = new Map<string, number>();
  const surveyOf = (call: FakeCall) =>
    options.survey && call.status === 'wrap_up' && call.operatorEnded && call.answered && !call.surveys.length
      ? { survey: { questions: [{ id: 'satisfaction', prompt: 'How satisfied…', digits: ['1', '2', '3', '4', '5'] }, { id: 'solved', prompt: 'Solved?', digits: ['1', '2'] }], answerBy: new Date(Date.now() + 600_000).toISOString() } }
      : {};
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetcher: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? init.body : '';
    const headers = new Headers(init?.headers);
    const check = checkTelephonySignature(secret, { timestamp: headers.get('x-switchboard-timestamp') ?? undefined, signature: headers.get('x-switchboard-signature') ?? undefined }, body, { method, path: url.pathname }, new Date());
    if (!check.ok) {
      refused.push(`${method} ${url.pathname}: ${check.reason}`);
      return json(401, { type: `https://switchboard.dev/problems/${check.reason}` });
    }
    if (seen.has(check.signature)) return json(401, { type: 'https://switchboard.dev/problems/replayed' });
    seen.add(check.signature);
    const path = url.pathname;
    if (method === 'GET' && path === '/api/telephony/numbers') return json(200, { numbers: lines });
    if (method === 'POST' && path === '/api/telephony/calls') {
      const { callId, dialled, caller, keys } = JSON.parse(body) as { callId: string; dialled: string; caller: string; keys?: string };
      keyed.set(callId, [...(keyed.get(callId) ?? []), keys ?? '']);
      if (options.menu && dialled === lines[0]!.number) {
        const step = walkMenu(options.menu, keys ?? '');
        if (step.kind === 'menu') {
          const node = options.menu.nodes[step.node]!;
          return json(200, { outcome: 'menu', tenant: 'pizza-napoli', keys: step.keys, node: step.node, prompt: { kind: 'tts', text: 'Menu', language: 'fr-FR' }, choices: node.choices.map((c: { key: string; label: string }) => ({ key: c.key, label: c.label })), repeat: node.repeat, invalid: step.invalid });
        }
        if (step.kind === 'message') return json(200, { outcome: 'hang_up', tenant: 'pizza-napoli', keys: step.keys, node: null, prompt: { kind: 'tts', text: 'Bye', language: 'fr-FR' }, choices: [], repeat: 1, invalid: false });
        joined.set(callId, step.function);
      }
      const existing = [...calls.values()].find((c) => c.externalId === callId);
      if (existing) return json(200, { id: existing.id, tenant: 'pizza-napoli', function: 'order_taking', outcome: 'queued' });
      const id = randomUUID();
      const closed = dialled === lines[1]!.number;
      calls.set(id, { id, externalId: callId, caller, status: closed ? 'after_hours' : 'queued', answered: 0, endedBy: [], recordings: [], surveys: [] });
      return json(
        200,
        closed
          ? { id, tenant: 'pizza-napoli', function: 'information', outcome: 'announcement', announcement: 'Closed' }
          : { id, tenant: 'pizza-napoli', function: 'order_taking', outcome: 'queued', record: !!options.recording },
      );
    }
    const match = /^\/api\/telephony\/calls\/([^/]+)(?:\/(answered|ended|recording|satisfaction))?$/.exec(path);
    const call = match ? calls.get(match[1]!) : undefined;
    if (!call) return json(404, { type: 'not-found' });
    if (method === 'GET') {
      const n = (polls.get(call.id) ?? 0) + 1;
      polls.set(call.id, n);
      if (options.connect === 'at-once' && call.status === 'queued') call.status = 'connected';
      if (options.operatorEndsAfterPolls && call.status === 'connected' && n >= options.operatorEndsAfterPolls) Object.assign(call, { status: 'wrap_up', operatorEnded: true });
      const recording = call.status === 'connected' && options.recording ? options.recording(n) : 'off';
      return json(200, { id: call.id, status: call.status, operatorConnected: call.status === 'connected', recording, ...surveyOf(call) });
    }
    if (match![2] === 'satisfaction') call.surveys.push(JSON.parse(body));
    if (match![2] === 'recording') call.recordings.push((JSON.parse(body) as { ref: string }).ref);
    if (match![2] === 'answered') call.answered++;
    if (match![2] === 'ended') {
      const by = (JSON.parse(body) as { by: string }).by;
      call.endedBy.push(by);
      if (by === 'operator' && call.status === 'connected') call.operatorEnded = true;
      call.status = call.status === 'queued' ? 'abandoned' : call.status === 'connected' ? 'wrap_up' : call.status;
      return json(200, { id: call.id, status: call.status, operatorConnected: false, recording: 'off', ...surveyOf(call) });
    }
    return json(200, {});
  };
  return { fetcher, calls, keyed, joined, refused };
}

let running: Simulator | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Runs the simulator until `enough` says so, and answers the events it saw. */
async function play(fake: ReturnType<typeof fakeBoundary>, enough: (events: SimulatorEvent[]) => boolean, extra: Partial<SimulatorOptions> = {}) {
  const events: SimulatorEvent[] = [];
  const logged: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  running = new Simulator({
    url: 'http://switchboard.test',
    secret,
    seed: 1,
    callsPerHourAtPeak: 3600,
    multiplier: 1,
    shape: 'flat',
    durations: { patience: { median: 1, sigma: 0 }, talk: { default: { median: 1, sigma: 0 } } },
    pollMs: 1000,
    fetcher: fake.fetcher,
    log: (line) => logged.push(line),
    onEvent: (event) => {
      events.push(event);
      if (process.env.SIM_DEBUG) console.log(Date.now() % 100000, event.kind, event.kind === 'finished' ? event.how : event.answer.outcome, event.call.seq, event.call.talkSeconds);
      if (enough(events)) done();
    },
    ...extra,
  });
  running.start();
  await finished;
  await running.stop({ hangUp: true });
  return { events, logged, stats: running.stats };
}

/** Calls that went through more than one request (keyed through the menu). */
const stats0 = (fake: { keyed: Map<string, string[]> }) => [...fake.keyed.values()].filter((k) => k.length > 2).length;
const finishedHow = (events: SimulatorEvent[], how: string) => events.filter((e) => e.kind === 'finished' && e.how === how).length;

describe('the simulator against the boundary', () => {
  it('places signed calls from the dial plan; an unanswered caller hangs up after its patience', async () => {
    const fake = fakeBoundary({ connect: 'never' });
    const { events, stats } = await play(fake, (e) => finishedHow(e, 'abandoned') >= 2 && finishedHow(e, 'not_queued') >= 1);
    expect(fake.refused).toEqual([]);
    const abandoned = [...fake.calls.values()].filter((c) => c.status === 'abandoned');
    expect(abandoned.length).toBeGreaterThanOrEqual(2);
    for (const call of abandoned) expect(call.endedBy).toEqual(['caller']);
    expect(stats.abandoned).toBeGreaterThanOrEqual(2);
    expect(stats.notQueued.announcement).toBeGreaterThanOrEqual(1);
    // Each call got an adapter id of its own, and a caller number of the dialled country.
    const offered = events.filter((e) => e.kind === 'offered');
    expect(new Set([...fake.calls.values()].map((c) => c.externalId)).size).toBe(fake.calls.size);
    for (const e of offered) expect(e.call.caller).toMatch(/^\+33[67]\d{8}$/);
  });

  it('keys through a number’s keypad menu: each request carries every key so far, until the walk leaves the menu', async () => {
    const menu: MenuDefinition = {
      root: 'main',
      nodes: {
        main: { prompt: { kind: 'tts', text: 'Orders 1, more 2' }, choices: [{ key: '1', label: 'Orders', target: { kind: 'function', function: 'order_taking' } }, { key: '2', label: 'More', target: { kind: 'menu', node: 'more' } }], noInput: { kind: 'function', function: 'order_taking' }, repeat: 2 },
        more: { prompt: { kind: 'tts', text: 'Info 1, hours 2' }, choices: [{ key: '1', label: 'Info', target: { kind: 'function', function: 'information' } }, { key: '2', label: 'Hours', target: { kind: 'message', prompt: { kind: 'tts', text: 'Open 11 to 23' } } }], noInput: { kind: 'function', function: 'information' }, repeat: 2 },
      },
    };
    const fake = fakeBoundary({ connect: 'never', menu });
    const messageHeard = () => [...fake.keyed.values()].some((keys) => walkMenu(menu, keys.at(-1)!).kind === 'message');
    const { stats } = await play(fake, () => fake.joined.size >= 3 && stats0(fake) > 0 && messageHeard());
    expect(fake.refused).toEqual([]);
    const toMenu = [...fake.keyed.entries()].filter(([, keys]) => keys[0] === '' && keys.length > 1);
    expect(toMenu.length).toBeGreaterThanOrEqual(3);
    for (const [callId, keys] of toMenu) {
      // Each request adds one key to the previous ones, and the last one left the menu.
      for (let i = 1; i < keys.length; i++) expect(keys[i]!.slice(0, -1)).toBe(keys[i - 1]);
      const last = walkMenu(menu, keys.at(-1)!);
      expect(last.kind).not.toBe('menu');
      if (last.kind === 'function') expect(fake.joined.get(callId)).toBe(last.function);
    }
    // Callers who chose the opening hours heard the message and no call was made for them.
    expect(stats.notQueued.menu_message ?? 0).toBeGreaterThanOrEqual(1);
    expect(stats.notQueued.menu_message ?? 0).toBeLessThanOrEqual([...fake.keyed.values()].filter((keys) => walkMenu(menu, keys.at(-1)!).kind === 'message').length);
    expect([...fake.calls.values()].filter((c) => fake.joined.has(c.externalId)).length).toBe(fake.joined.size);
  });

  it('bridges a connected call, talks, and hangs up as the caller', async () => {
    const fake = fakeBoundary({ connect: 'at-once' });
    const { stats } = await play(fake, (e) => finishedHow(e, 'caller_hung_up') >= 2);
    const hungUp = [...fake.calls.values()].filter((c) => c.status === 'wrap_up');
    expect(hungUp.length).toBeGreaterThanOrEqual(2);
    for (const call of hungUp) {
      expect(call.answered).toBe(1);
      expect(call.endedBy).toEqual(['caller']);
    }
    expect(stats.answered).toBeGreaterThanOrEqual(2);
    expect(fake.refused).toEqual([]);
  });

  it('records as the boundary commands: a pause leaves a gap in the recording it reports', async () => {
    // Poll 1 connects (recording on), poll 2 pauses (payment details), poll 3 resumes; the caller talks 4 s.
    const fake = fakeBoundary({ connect: 'at-once', recording: (poll) => (poll === 2 ? 'paused' : 'on') });
    const { stats } = await play(fake, (e) => finishedHow(e, 'caller_hung_up') >= 1, {
      durations: { patience: { median: 60, sigma: 0 }, talk: { default: { median: 4, sigma: 0 } } },
    });
    const recorded = [...fake.calls.values()].filter((c) => c.recordings.length);
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    expect(stats.recorded).toBe(recorded.length);
    const ref = recorded[0]!.recordings[0]!;
    expect(ref).toMatch(new RegExp(`^sim://recordings/${recorded[0]!.id}\\.wav#t=0-[\\d.]+,[\\d.]+-[\\d.]+$`));
  });

  it('leaves the call alone once the operator has ended it', async () => {
    const fake = fakeBoundary({ connect: 'at-once', operatorEndsAfterPolls: 2 });
    const { stats } = await play(fake, (e) => finishedHow(e, 'operator_ended') >= 2, {
      durations: { patience: { median: 60, sigma: 0 }, talk: { default: { median: 600, sigma: 0 } } },
    });
    expect(stats.operatorEnded).toBeGreaterThanOrEqual(2);
    const ended = [...fake.calls.values()].filter((c) => c.answered === 1 && c.status === 'wrap_up');
    expect(ended.some((c) => c.endedBy.length === 0)).toBe(true);
  });

  it('asks the satisfaction survey once the operator has ended a surveyed call, never of a caller who hung up', async () => {
    const fake = fakeBoundary({ connect: 'at-once', operatorEndsAfterPolls: 2, survey: true });
    const { stats } = await play(fake, (e) => finishedHow(e, 'operator_ended') >= 3, {
      durations: { patience: { median: 60, sigma: 0 }, talk: { default: { median: 600, sigma: 0 } } },
    });
    const surveyed = [...fake.calls.values()].filter((c) => c.surveys.length);
    expect(surveyed.length).toBeGreaterThanOrEqual(3);
    for (const call of surveyed) {
      expect(call.surveys).toHaveLength(1);
      const digits = call.surveys[0] as { satisfaction?: string; solved?: string };
      if (digits.satisfaction !== undefined) expect(['1', '2', '3', '4', '5']).toContain(digits.satisfaction);
      if (digits.solved !== undefined) expect(['1', '2']).toContain(digits.solved);
    }
    expect(stats.surveyed).toBe(surveyed.length);

    const hungUp = fakeBoundary({ connect: 'at-once', survey: true });
    await running?.stop();
    await play(hungUp, (e) => finishedHow(e, 'caller_hung_up') >= 2);
    const asked = [...hungUp.calls.values()].filter((c) => c.endedBy.includes('caller') && c.answered);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    for (const call of asked) expect(call.surveys).toEqual([]);
    expect(hungUp.refused).toEqual([]);
    expect(fake.refused).toEqual([]);
  });

  it('hangs up the callers still on the line when stopped that way', async () => {
    const fake = fakeBoundary({ connect: 'never' });
    await play(fake, (e) => e.filter((x) => x.kind === 'offered' && x.answer.outcome === 'queued').length >= 2, {
      durations: { patience: { median: 600, sigma: 0 }, talk: { default: { median: 600, sigma: 0 } } },
    });
    const queued = [...fake.calls.values()].filter((c) => c.status !== 'after_hours');
    expect(queued.length).toBeGreaterThanOrEqual(2);
    for (const call of queued) expect(call.status).toBe('abandoned');
  });

  it('never throws when the server is down: it backs off and logs sparingly', async () => {
    let attempts = 0;
    const down: typeof fetch = async () => {
      attempts++;
      throw new TypeError('fetch failed: connect ECONNREFUSED');
    };
    const logged: string[] = [];
    running = new Simulator({ url: 'http://127.0.0.1:9', secret, seed: 1, callsPerHourAtPeak: 3600, multiplier: 1, fetcher: down, log: (l) => logged.push(l) });
    running.start();
    while (attempts < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    await running.stop();
    expect(logged.length).toBe(1);
    expect(logged[0]).toMatch(/reading the dial plan failed: .*ECONNREFUSED.*backing off/);
  });
});

describe('the adapter’s signed requests', () => {
  it('sign the request line too, so the same body for two calls in one second is two requests', async () => {
    const fake = fakeBoundary();
    const client = new TelephonyClient('http://switchboard.test', secret, fake.fetcher);
    const offered = await Promise.all([1, 2, 3].map((n) => client.offer(`c${n}`, lines[0]!.number, '+33612345678')));
    await Promise.all(offered.map((o) => client.ended(o.id, 'caller')));
    expect([...fake.calls.values()].map((c) => c.status)).toEqual(['abandoned', 'abandoned', 'abandoned']);
    expect(client.spacing).toBe(false);
  });

  it('space the same request a second apart once the server refuses one as replayed', async () => {
    const fake = fakeBoundary();
    const client = new TelephonyClient('http://switchboard.test', secret, fake.fetcher);
    const { id } = await client.offer('c1', lines[0]!.number, '+33612345678');
    const states = await Promise.all([1, 2, 3].map(() => client.status(id)));
    expect(states.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);
    expect(client.spacing).toBe(true);
    expect(fake.refused).toEqual([]);
  });
});

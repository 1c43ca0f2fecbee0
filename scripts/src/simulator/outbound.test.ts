import { describe, expect, it } from 'vitest';
import type { DialAnswer, DialEvent, DialOrder } from './boundary.ts';
import { OutboundCallees, reportFor, zoneOfNumber, type OutboundBoundary } from './outbound.ts';

/** A boundary that records what the adapter reports and answers as a dialer would. */
function fakeBoundary(dials: DialOrder[], answerFor: (id: string, event: DialEvent) => DialAnswer, callStatus: () => string = () => 'connected') {
  const reported: { id: string; event: DialEvent }[] = [];
  const calls: { id: string; what: string }[] = [];
  let listed = false;
  const boundary: OutboundBoundary = {
    dials: async () => {
      // Listed once, like attempts that leave `originating` at their first report.
      if (listed) return [];
      listed = true;
      return dials;
    },
    dialProgress: async (id, event) => {
      reported.push({ id, event });
      return answerFor(id, event);
    },
    status: async () => ({ status: callStatus(), operatorConnected: callStatus() === 'connected' }),
    answered: async (id) => void calls.push({ id, what: 'answered' }),
    ended: async (id, by) => void calls.push({ id, what: `ended:${by}` }),
  };
  return { boundary, reported, calls };
}

const dial = (i: number, to = '+33612345678', detectMachine = true): DialOrder => ({
  id: `dial-${i}`,
  tenant: 'acme',
  from: '+33140000000',
  to,
  ringTimeoutSeconds: 25,
  detectMachine,
  campaign: 'c1',
  function: 'outbound_info',
});

// Simulated seconds are milliseconds here; the status is looked at every millisecond.
const fast = { seed: 7, msPerSecond: 1, statusPollMs: 1, log: () => {}, now: () => Date.parse('2026-03-10T17:30:00Z') };

describe('the simulator’s outbound callees', () => {
  it('report ringing, then how each callee answered; a connected callee talks and hangs up; an abandoned one just ends', async () => {
    const dials = Array.from({ length: 60 }, (_, i) => dial(i));
    const connectEvery = new Set<string>();
    const { boundary, reported, calls } = fakeBoundary(dials, (id, event) => {
      if (event !== 'answered') return event === 'ringing' ? { action: 'none' } : { action: 'hang_up' };
      // Every other person finds an operator; the others are abandoned.
      connectEvery.add(id);
      return connectEvery.size % 2 ? { action: 'connect', callId: `call-${id}` } : { action: 'abandon', message: 'Sorry' };
    });
    const callees = new OutboundCallees(boundary, fast);
    const started = await callees.pollOnce();
    expect(started).toHaveLength(60);
    // Polled again while they play: none is played twice.
    expect(await callees.pollOnce()).toHaveLength(0);
    await callees.settled();
    for (const d of dials) {
      const events = reported.filter((r) => r.id === d.id).map((r) => r.event);
      expect(events[0]).toBe('ringing');
      expect(events).toHaveLength(2);
      expect(['answered', 'machine', 'busy', 'no_answer', 'failed']).toContain(events[1]);
    }
    const s = callees.stats;
    expect(s.dials).toBe(60);
    expect(s.person + s.machine + s.busy + s.noAnswer + s.failed).toBe(60);
    expect(s.person).toBeGreaterThan(0);
    expect(s.machine).toBeGreaterThan(0);
    expect(s.connected + s.abandoned).toBe(s.person);
    // A connected callee: bridged, then hangs up after the talk time (the operator never ended it here).
    const connected = [...calls].filter((c) => c.what === 'answered').map((c) => c.id);
    expect(connected).toHaveLength(s.connected);
    for (const id of connected) expect(calls).toContainEqual({ id, what: 'ended:caller' });
    expect(s.calleeHungUp).toBe(s.connected);
  });

  it('stop talking when the operator ends the call first', async () => {
    // Find a seed/dial where the callee is a person: try a few dials, all connected, the operator gone at once.
    const dials = Array.from({ length: 40 }, (_, i) => dial(i));
    const { boundary, calls } = fakeBoundary(
      dials,
      (id, event) => (event === 'answered' ? { action: 'connect', callId: `call-${id}` } : { action: event === 'ringing' ? 'none' : 'hang_up' }),
      () => 'wrap_up',
    );
    const callees = new OutboundCallees(boundary, fast);
    await callees.pollOnce();
    await callees.settled();
    expect(callees.stats.connected).toBeGreaterThan(0);
    expect(callees.stats.operatorEnded).toBe(callees.stats.connected);
    expect(calls.filter((c) => c.what.startsWith('ended'))).toEqual([]);
  });

  it('replay the same callees for the same seed', async () => {
    const run = async () => {
      const { boundary, reported } = fakeBoundary(
        Array.from({ length: 30 }, (_, i) => dial(i)),
        (_, event) => (event === 'ringing' ? { action: 'none' } : { action: 'hang_up' }),
      );
      const callees = new OutboundCallees(boundary, fast);
      await callees.pollOnce();
      await callees.settled();
      return reported.map((r) => `${r.id}:${r.event}`).sort();
    };
    expect(await run()).toEqual(await run());
  });

  it('without answering-machine detection a machine is reported answered (an operator hears the voicemail)', () => {
    const machine = { outcome: 'machine' as const, ringSeconds: 20, talkSeconds: 0, request: 'none' as const };
    expect(reportFor(machine, true)).toBe('machine');
    expect(reportFor(machine, false)).toBe('answered');
  });

  it('play callees at their local time: overseas departments and Russia have their own zones', () => {
    expect(zoneOfNumber('+33612345678')).toBe('Europe/Paris');
    expect(zoneOfNumber('+262692123456')).toBe('Indian/Reunion');
    expect(zoneOfNumber('+590690123456')).toBe('America/Guadeloupe');
    expect(zoneOfNumber('+596696123456')).toBe('America/Martinique');
    expect(zoneOfNumber('+594694123456')).toBe('America/Cayenne');
    expect(zoneOfNumber('+79161234567')).toBe('Europe/Moscow');
    expect(zoneOfNumber('+79141234567')).toBe('Asia/Vladivostok');
    expect(zoneOfNumber('+74152123456')).toBe('Asia/Kamchatka');
  });
});

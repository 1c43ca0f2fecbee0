import { describe, expect, it } from 'vitest';
import { demoCampaigns, loadDemo } from '@switchboard/tenants';
import { floorBotEmails, startDemoFloor } from './demo-floor.ts';

describe('the demo floor', () => {
  it('plays the demo files’ floor bots, who serve every line with a number after every person, held back a little', () => {
    expect(floorBotEmails()).toEqual(Array.from({ length: 10 }, (_, i) => `floor-bot-${i + 1}@switchboard.test`));
    for (const { definition } of loadDemo().tenants) {
      const lines = [...new Set((definition.callHandling?.numbers ?? []).map((n) => n.function))].sort();
      const people = definition.operators.filter((o) => !o.email.startsWith('floor-bot-'));
      const target = definition.callHandling?.settings?.answerTargetSeconds ?? 20;
      for (const email of floorBotEmails()) {
        const bot = definition.operators.find((o) => o.email === email)!;
        // And the functions of the tenant's demo campaigns: the dialer connects bots to their callees.
        const outbound = demoCampaigns().filter((c) => c.tenant === definition.tenant.slug).map((c) => c.function);
        expect(bot.skills.slice().sort(), `${email} at ${definition.tenant.slug}`).toEqual([...new Set([...lines, ...outbound])].sort());
        for (const fn of lines) {
          const own = bot.routing?.[fn] ?? { priority: 1, delaySeconds: 0 };
          // After every person serving the line: when both may take a call, the person is offered it.
          const peoplePriorities = people.filter((p) => p.skills.includes(fn)).map((p) => p.routing?.[fn]?.priority ?? 1);
          expect(own.priority, `${email} ${fn}`).toBeGreaterThan(Math.max(0, ...peoplePriorities));
          // Held back a moment (so a fresh call goes to an available person), but well within the answer target.
          expect(own.delaySeconds).toBeGreaterThan(0);
          expect(own.delaySeconds).toBeLessThanOrEqual(target / 3);
        }
      }
    }
  });

  it('starts no bot when DEMO_FLOOR_BOTS is 0', () => {
    expect(startDemoFloor(1, { DEMO_FLOOR_BOTS: '0' })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { loadDemo } from '@switchboard/tenants';
import { floorBotEmails, startDemoFloor } from './demo-floor.ts';

describe('the demo floor', () => {
  it('plays the demo files’ floor bots, who serve every line with a number only after people had their chance', () => {
    expect(floorBotEmails()).toEqual(['floor-bot-1@switchboard.test', 'floor-bot-2@switchboard.test']);
    for (const { definition } of loadDemo().tenants) {
      const lines = [...new Set((definition.callHandling?.numbers ?? []).map((n) => n.function))].sort();
      const people = definition.operators.filter((o) => !o.email.startsWith('floor-bot-'));
      for (const email of floorBotEmails()) {
        const bot = definition.operators.find((o) => o.email === email)!;
        expect(bot.skills.slice().sort(), `${email} at ${definition.tenant.slug}`).toEqual(lines);
        for (const fn of lines) {
          // Held back longer than any person serving that line is, so a person who goes available is offered the call first.
          const peopleDelays = people.filter((p) => p.skills.includes(fn)).map((p) => p.routing?.[fn]?.delaySeconds ?? 0);
          expect(bot.routing?.[fn]?.delaySeconds ?? 0).toBeGreaterThan(Math.max(0, ...peopleDelays));
        }
      }
    }
  });

  it('starts no bot when DEMO_FLOOR_BOTS is 0', () => {
    expect(startDemoFloor(1, { DEMO_FLOOR_BOTS: '0' })).toBeNull();
  });
});

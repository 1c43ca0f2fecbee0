import { demoCampaigns, demoPassword, loadDemo } from '@switchboard/tenants';
import type { Random } from './random.ts';
import { BotOperator } from './bot-operator.ts';
import { createRandom } from './random.ts';

/**
 * The demo's simulated floor: bot operators (tenants/demo: `floor-bot-N@switchboard.test`) who take the
 * simulated calls a person does not take, so the demo's queues are answered within their targets and its
 * records, usage and billing statements grow on their own. Their routing profiles put them after every
 * person (priority 9) and hold each call back from them for a few seconds, so a person who is available
 * at the desk is offered calls first. Enough of them, talking briefly enough, for the demo's busiest hour
 * (capacity.test.ts). Started only with the simulator, on a demo database; DEMO_FLOOR_BOTS sets how many
 * (0 turns them off).
 */
export const floorBotPattern = /^floor-bot-\d+@switchboard\.test$/;

/** How long a floor bot talks, uniformly drawn (ms): real calls last minutes; the demo's turn over while someone watches. */
export const floorTalkMs: [number, number] = [20_000, 60_000];

/** On an outbound call, the share of callees a bot "converts" (a sale, a subscriber informed) per campaign function. */
export const outboundSuccessShare: Record<string, number> = { telesales: 0.2, outbound_info: 0.75, surveys: 0.6, lead_qualification: 0.3 };

/**
 * A bot's disposition of a demo campaign's call: a success at the function's share, else a callback request,
 * a refusal or (rarely) "do not call me again". Callbacks at a given time are not scheduled by bots yet.
 */
export function outboundDispositionPicker(): (tenant: string, random: Random) => string {
  const byTenant = new Map(demoCampaigns().map((c) => [c.tenant, c]));
  return (tenant, random) => {
    const campaign = byTenant.get(tenant);
    if (!campaign) return 'done';
    const code = (outcome: string) => campaign.dispositions.find((d) => d.outcome === outcome)?.code;
    const draw = random.uniform();
    const success = outboundSuccessShare[campaign.function] ?? 0.2;
    const rest = (draw - success) / (1 - success);
    const picked = draw < success ? code('success') : rest < 0.35 ? code('retry') : rest < 0.93 ? code('refused') : code('do_not_call');
    return picked ?? campaign.dispositions[0]?.code ?? 'done';
  };
}

export function floorBotEmails(): string[] {
  return (loadDemo().provider?.definition.staff ?? []).map((s) => s.email).filter((email) => floorBotPattern.test(email)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function startDemoFloor(port: number, env: NodeJS.ProcessEnv = process.env): (() => Promise<void>) | null {
  const wanted = env.DEMO_FLOOR_BOTS === undefined || env.DEMO_FLOOR_BOTS === '' ? Infinity : Number(env.DEMO_FLOOR_BOTS);
  const emails = floorBotEmails().slice(0, Number.isFinite(wanted) && wanted >= 0 ? Math.floor(wanted) : undefined);
  if (!emails.length) return null;
  const demo = loadDemo();
  const offerTimeouts = new Map<string, number>();
  const dispositions = new Map<string, string[]>();
  for (const { definition } of demo.tenants) {
    offerTimeouts.set(definition.tenant.slug, definition.callHandling?.settings?.offerTimeoutSeconds ?? 15);
    dispositions.set(definition.tenant.slug, (definition.wrapUpCodes ?? []).filter((c) => c.active !== false).map((c) => c.code));
  }
  const random = createRandom(`floor/${Date.now()}`);
  let errors = 0;
  const bots = emails.map(
    (email, i) =>
      new BotOperator({
        base: `http://127.0.0.1:${port}`,
        email,
        password: demoPassword,
        random: random.fork(String(i)),
        talkMs: floorTalkMs,
        orderShare: 0.7,
        orderTenant: 'pizza-napoli',
        answerScripts: true,
        outboundDisposition: outboundDispositionPicker(),
        offerTimeoutSeconds: (tenant) => offerTimeouts.get(tenant) ?? 15,
        disposition: (tenant, fn) => {
          const codes = dispositions.get(tenant) ?? [];
          return (fn === 'order_taking' ? codes.find((c) => c.includes('order')) : undefined) ?? codes[0] ?? 'done';
        },
        onMetric: (metric) => {
          if (metric.kind === 'error' && errors++ % 50 === 0) console.log(`demo floor: ${metric.message}`);
        },
      }),
  );
  let stopped = false;
  void (async () => {
    try {
      for (const bot of bots) await bot.logIn();
      await Promise.all(bots.map((b) => b.listen()));
      if (!stopped) await Promise.all(bots.map((b) => b.becomeAvailable()));
      console.log(`Demo floor: ${bots.length} bot operators take the calls nobody else takes (DEMO_FLOOR_BOTS=0 turns them off).`);
    } catch (error) {
      console.log(`demo floor: not started: ${(error as Error).message}`);
    }
  })();
  return async () => {
    stopped = true;
    await Promise.allSettled(bots.map((b) => b.stop()));
  };
}

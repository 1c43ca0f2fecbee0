import type { Kysely } from 'kysely';
import { jsonb, newId, withApp, withTenant, type CampaignDisposition, type DB, type DialMode, type WeekWindow } from '@switchboard/db';

/** A small seeded generator (mulberry32 over an FNV-1a hash of the seed): the demo's lists are the same on every run. */
function createRandom(seed: string) {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  let state = h;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { uniform, int: (from: number, to: number) => from + Math.floor(uniform() * (to - from + 1)) };
}

/**
 * The demo's outbound campaigns (issue 15), both running from the first `pnpm start`:
 *
 * - TeleNova informs its subscribers of its new tariffs: `outbound_info`, predictive, rules profile
 *   `none` with its own hours, 09:00–21:00 every day in the subscriber's zone. Why not `fr`: the French
 *   calling rules protect French consumers from canvassing; TeleNova, in Moscow, informs its own Russian
 *   subscribers under their contract. Its subscribers live across Russia (Kaliningrad to Kamchatka), so
 *   at any hour of the day some of them are inside their 09:00–21:00 and the demo dials.
 * - Pizza Napoli offers its loyalty-card holders the new family menu: `telesales`, progressive, under the
 *   French rules (`fr`: weekdays 10:00–13:00 and 14:00–20:00 in the callee's zone, no holidays, 4 calls in
 *   30 days…), some of them in the overseas departments (their own zones and holidays). Outside those
 *   hours the board shows the refusals by rule instead of dials: lawful by construction.
 *
 * The lists are generated, deterministic (a seeded random): the same numbers on every fresh demo.
 */

export interface DemoCampaign {
  tenant: string;
  name: string;
  function: 'outbound_info' | 'telesales';
  callerId: string;
  mode: DialMode;
  rulesProfile: 'fr' | 'fr_existing_customers' | 'none';
  callingHours: WeekWindow;
  dispositions: CampaignDisposition[];
  abandonMessage: string;
  list: { name: string; contacts: DemoContact[] };
}

export interface DemoContact {
  phone: string;
  name: string;
  timeZone: string;
  region: string | null;
  postcode: string | null;
  fields: Record<string, string>;
}

const everyDay = (start: string, end: string): WeekWindow => {
  const day = [{ start, end }];
  return { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day } as WeekWindow;
};

/** Russian subscribers: a region's mobile code, its zone and how many of the list live there. */
const russianRegions: { code: string; zone: string; city: string; share: number }[] = [
  { code: '4012', zone: 'Europe/Kaliningrad', city: 'Калининград', share: 0.04 },
  { code: '916', zone: 'Europe/Moscow', city: 'Москва', share: 0.34 },
  { code: '911', zone: 'Europe/Moscow', city: 'Санкт-Петербург', share: 0.16 },
  { code: '912', zone: 'Asia/Yekaterinburg', city: 'Екатеринбург', share: 0.14 },
  { code: '913', zone: 'Asia/Novosibirsk', city: 'Новосибирск', share: 0.12 },
  { code: '914', zone: 'Asia/Vladivostok', city: 'Владивосток', share: 0.12 },
  { code: '4132', zone: 'Asia/Magadan', city: 'Магадан', share: 0.04 },
  { code: '4152', zone: 'Asia/Kamchatka', city: 'Петропавловск-Камчатский', share: 0.04 },
];

const russianFirst = ['Александр', 'Мария', 'Дмитрий', 'Анна', 'Сергей', 'Елена', 'Иван', 'Ольга', 'Михаил', 'Татьяна', 'Никита', 'Наталья'];
const russianLast = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров'];
const tariffs = ['Базовый', 'Семейный', 'Безлимит+', 'Домашний интернет 500'];

/** TeleNova's subscribers: +7 numbers across Russia's zones, each with its tariff (a field the script shows). */
export function telenovaSubscribers(count: number, seed = 'telenova-subscribers'): DemoContact[] {
  const random = createRandom(seed);
  const contacts: DemoContact[] = [];
  const seen = new Set<string>();
  for (let i = 0; contacts.length < count; i++) {
    let pick = random.uniform();
    const region = russianRegions.find((r) => (pick -= r.share) < 0) ?? russianRegions[1]!;
    const digits = 10 - region.code.length;
    const phone = `+7${region.code}${String(random.int(0, 10 ** digits - 1)).padStart(digits, '0')}`;
    if (seen.has(phone)) continue;
    seen.add(phone);
    const first = russianFirst[random.int(0, russianFirst.length - 1)]!;
    const last = russianLast[random.int(0, russianLast.length - 1)]!;
    const female = ['Мария', 'Анна', 'Елена', 'Ольга', 'Татьяна', 'Наталья'].includes(first);
    contacts.push({
      phone,
      name: `${first} ${last}${female ? 'а' : ''}`,
      timeZone: region.zone,
      region: null,
      postcode: null,
      fields: { Город: region.city, Тариф: tariffs[random.int(0, tariffs.length - 1)]! },
    });
  }
  return contacts;
}

/** French departments the list draws from: mobiles in metropolitan France and in four overseas departments. */
const frenchAreas: { prefix: string; zone: string; region: string; postcode: string; share: number }[] = [
  { prefix: '+336', zone: 'Europe/Paris', region: '75', postcode: '75011', share: 0.3 },
  { prefix: '+337', zone: 'Europe/Paris', region: '69', postcode: '69003', share: 0.25 },
  { prefix: '+336', zone: 'Europe/Paris', region: '13', postcode: '13006', share: 0.15 },
  { prefix: '+336', zone: 'Europe/Paris', region: '57', postcode: '57000', share: 0.1 },
  { prefix: '+262692', zone: 'Indian/Reunion', region: '974', postcode: '97400', share: 0.06 },
  { prefix: '+590690', zone: 'America/Guadeloupe', region: '971', postcode: '97110', share: 0.05 },
  { prefix: '+596696', zone: 'America/Martinique', region: '972', postcode: '97200', share: 0.05 },
  { prefix: '+594694', zone: 'America/Cayenne', region: '973', postcode: '97300', share: 0.04 },
];

const frenchFirst = ['Camille', 'Lucas', 'Léa', 'Hugo', 'Manon', 'Louis', 'Chloé', 'Gabriel', 'Inès', 'Jules', 'Sarah', 'Nathan'];
const frenchLast = ['Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent', 'Simon', 'Michel'];

/** Pizza Napoli's loyalty-card holders: French mobiles (E.164), some overseas, with their last order's restaurant. */
export function pizzaCustomers(count: number, seed = 'pizza-napoli-customers'): DemoContact[] {
  const random = createRandom(seed);
  const contacts: DemoContact[] = [];
  const seen = new Set<string>();
  while (contacts.length < count) {
    let pick = random.uniform();
    const area = frenchAreas.find((a) => (pick -= a.share) < 0) ?? frenchAreas[0]!;
    const digits = 12 - area.prefix.length + (area.prefix.startsWith('+33') ? 0 : 1);
    const phone = `${area.prefix}${String(random.int(0, 10 ** digits - 1)).padStart(digits, '0')}`;
    if (seen.has(phone)) continue;
    seen.add(phone);
    contacts.push({
      phone,
      name: `${frenchFirst[random.int(0, frenchFirst.length - 1)]} ${frenchLast[random.int(0, frenchLast.length - 1)]}`,
      timeZone: area.zone,
      region: area.region,
      postcode: area.postcode,
      fields: { 'Points fidélité': String(random.int(20, 480)), 'Dernière commande': `${random.int(2, 60)} jours` },
    });
  }
  return contacts;
}

export function demoCampaigns(): DemoCampaign[] {
  return [
    {
      tenant: 'telenova',
      name: 'Новые тарифы — информирование абонентов',
      function: 'outbound_info',
      callerId: '+74951234567',
      mode: 'predictive',
      rulesProfile: 'none',
      callingHours: everyDay('09:00', '21:00'),
      dispositions: [
        { code: 'subscriber_informed', outcome: 'success' },
        { code: 'callback_requested', outcome: 'retry' },
        { code: 'not_interested', outcome: 'refused' },
        { code: 'do_not_call', outcome: 'do_not_call' },
      ],
      abandonMessage: 'Здравствуйте, это TeleNova. Мы перезвоним вам позже, чтобы рассказать о новых тарифах. Спасибо!',
      list: { name: 'Абоненты — новые тарифы', contacts: telenovaSubscribers(3000) },
    },
    {
      tenant: 'pizza-napoli',
      name: 'Menu famille — clients fidélité',
      function: 'telesales',
      callerId: '+33948123401',
      mode: 'progressive',
      rulesProfile: 'fr',
      // The campaign's own window, inside the law's (the judge intersects them): the law's hours.
      callingHours: {
        mon: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }],
        tue: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }],
        wed: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }],
        thu: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }],
        fri: [{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }],
      } as WeekWindow,
      dispositions: [
        { code: 'sale_made', outcome: 'success', usageMetric: 'sale' },
        { code: 'callback_requested', outcome: 'retry' },
        { code: 'not_interested', outcome: 'refused' },
        { code: 'do_not_call', outcome: 'do_not_call' },
      ],
      abandonMessage: 'Bonjour, ici Pizza Napoli. Nous vous rappellerons plus tard. Merci et bonne journée !',
      list: { name: 'Clients fidélité — menu famille', contacts: pizzaCustomers(1200) },
    },
  ];
}

/**
 * DEMO ONLY, direct inserts: the campaigns CRUD and list import services are written on another branch
 * (api/src/campaigns/); at merge the lead swaps this function's body for those services (create the
 * campaign, import the list, start it). Runs inside the demo's one transaction (tenants/src/demo.ts).
 */
export async function insertDemoCampaignsDirectly(db: Kysely<DB>, now: Date, campaigns: DemoCampaign[] = demoCampaigns()): Promise<string[]> {
  const created: string[] = [];
  for (const campaign of campaigns) {
    const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').select('id').where('slug', '=', campaign.tenant).executeTakeFirst());
    if (!tenant) continue;
    await withTenant(db, tenant.id, async (tx) => {
      const id = newId();
      const listId = newId();
      // The function's published script (tenants/demo/*.yaml, scripts): the desk shows it on the campaign's calls.
      const script = await tx.selectFrom('scripts').select('id').where('function', '=', campaign.function).executeTakeFirst();
      await tx
        .insertInto('campaigns')
        .values({
          tenantId: tenant.id,
          id,
          name: campaign.name,
          function: campaign.function,
          scriptId: script?.id ?? null,
          callerId: campaign.callerId,
          mode: campaign.mode,
          status: 'running',
          callingHours: jsonb(campaign.callingHours),
          retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 }),
          dispositions: jsonb(campaign.dispositions),
          rulesProfile: campaign.rulesProfile,
          // Prospecting French consumers needs their prior consent since 11 August 2026 (docs/calling-lists.md).
          requiresConsent: campaign.rulesProfile === 'fr',
          abandonCapPercent: 3,
          abandonMessage: campaign.abandonMessage,
          createdAt: now,
          updatedAt: now,
          updatedBy: 'demo',
        })
        .execute();
      await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId: id, name: campaign.list.name, rowCount: campaign.list.contacts.length, createdAt: now, createdBy: 'demo' }).execute();
      const rows = campaign.list.contacts.map((c, i) => ({
        tenantId: tenant.id,
        id: newId(),
        campaignId: id,
        listId,
        lineNumber: i + 2,
        phone: c.phone,
        name: c.name,
        email: null,
        timeZone: c.timeZone,
        region: c.region,
        postcode: c.postcode,
        fields: jsonb(c.fields),
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      }));
      for (let i = 0; i < rows.length; i += 500) await tx.insertInto('campaignContacts').values(rows.slice(i, i + 500)).execute();
      if (campaign.rulesProfile === 'fr') {
        // The demo's customers opted in to offers by phone on the loyalty-card form: the consent the rules ask for.
        const givenAt = new Date(now.getTime() - 30 * 86_400_000);
        const consents = rows.map((r) => ({ tenantId: tenant.id, id: newId(), phone: r.phone, source: 'Loyalty card form: offers by phone', givenAt, recordedAt: now, recordedBy: 'demo' }));
        for (let i = 0; i < consents.length; i += 500) await tx.insertInto('consents').values(consents.slice(i, i + 500)).execute();
      }
      created.push(`${campaign.tenant}/${campaign.name}`);
    });
  }
  return created;
}

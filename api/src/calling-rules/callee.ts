import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Where the callee is: the time zone the calling hours are read in, and the region whose holidays
 * apply (the French department or territory code: '75', '2A', '57', '971'…; null when unknown, then
 * only the national holidays count). In order: the contact's own IANA zone, its French postcode, its
 * number's territory, else the tenant's zone.
 */

export interface CalleeFacts {
  /** The contact's IANA zone, when the list gave one. */
  timeZone?: string | null;
  /** The contact's postcode, when the list gave one. */
  postcode?: string | null;
  /** The contact's number, E.164. */
  phone: string;
  /** The tenant's own zone, the last resort. */
  tenantTimeZone: string;
}

export interface CalleePlace {
  timeZone: string;
  region: string | null;
  /** Which fact decided the zone. */
  from: 'zone' | 'postcode' | 'number' | 'tenant';
}

interface Territory {
  timeZone: string;
  region: string | null;
}

/**
 * French overseas territories by postcode prefix (and by INSEE code for Saint-Barthélemy 977 and
 * Saint-Martin 978, whose postcodes are 97133 and 97150), and by the country libphonenumber-js gives
 * the number (it tells Mayotte's +262 269 / 639 ranges from La Réunion's, Saint-Barthélemy's and
 * Saint-Martin's +590 ranges from Guadeloupe's).
 */
export const territories: Readonly<Record<string, Territory>> = {
  '971': { timeZone: 'America/Guadeloupe', region: '971' },
  '972': { timeZone: 'America/Martinique', region: '972' },
  '973': { timeZone: 'America/Cayenne', region: '973' },
  '974': { timeZone: 'Indian/Reunion', region: '974' },
  '975': { timeZone: 'America/Miquelon', region: '975' },
  '976': { timeZone: 'Indian/Mayotte', region: '976' },
  '977': { timeZone: 'America/St_Barthelemy', region: '977' },
  '978': { timeZone: 'America/Marigot', region: '978' },
  '986': { timeZone: 'Pacific/Wallis', region: '986' },
  '987': { timeZone: 'Pacific/Tahiti', region: '987' },
  '988': { timeZone: 'Pacific/Noumea', region: '988' },
};

const byCountry: Record<string, Territory> = {
  FR: { timeZone: 'Europe/Paris', region: null },
  GP: territories['971']!,
  MQ: territories['972']!,
  GF: territories['973']!,
  RE: territories['974']!,
  PM: territories['975']!,
  YT: territories['976']!,
  BL: territories['977']!,
  MF: territories['978']!,
  WF: territories['986']!,
  PF: territories['987']!,
  NC: territories['988']!,
};

/** Each zone that only one territory uses names that territory (an explicit zone gives the region too). */
const byZone = new Map(Object.values(territories).map((t) => [t.timeZone, t.region]));

const knownZones = new Map<string, boolean>();

/** Whether the runtime knows this IANA zone (answers remembered: an import asks for every row). */
export function isTimeZone(zone: string): boolean {
  if (!zone || zone.length > 64) return false;
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (knownZones.size > 1000) knownZones.clear();
    knownZones.set(zone, known);
  }
  return known;
}

/** The territory of a French postcode ('75001' → Paris, '20090' → Corse-du-Sud 2A, '97411' → La Réunion), or null. */
export function postcodeTerritory(postcode: string): Territory | null {
  if (postcode.length > 16) return null;
  const code = postcode.replace(/\s+/g, '');
  if (!/^\d{5}$/.test(code)) return null;
  if (code === '97133') return territories['977']!;
  if (code === '97150') return territories['978']!;
  const overseas = territories[code.slice(0, 3)];
  if (code.startsWith('97') || code.startsWith('98')) return overseas ?? null;
  const department = code.slice(0, 2);
  if (department === '00') return null;
  // Corsica's postcodes all begin 20: 200xx–201xx are Corse-du-Sud (2A), the rest Haute-Corse (2B).
  if (department === '20') return { timeZone: 'Europe/Paris', region: Number(code) < 20200 ? '2A' : '2B' };
  return { timeZone: 'Europe/Paris', region: department };
}

/** The French territory a number belongs to (country code +33, +590, +594, +596, +262, +508, +681, +687, +689), or null. */
export function numberTerritory(phone: string): Territory | null {
  const country = countryOf(phone);
  return country ? (byCountry[country] ?? null) : null;
}

function countryOf(phone: string): string | undefined {
  return phone.length <= 32 ? parsePhoneNumberFromString(phone)?.country : undefined;
}

export function locateCallee(facts: CalleeFacts): CalleePlace {
  const country = countryOf(facts.phone);
  const byNumber = country ? (byCountry[country] ?? null) : null;
  // A five-digit postcode is read as French unless the number clearly belongs to another country.
  const foreign = country !== undefined && byNumber === null;
  const byPostcode = facts.postcode && !foreign ? postcodeTerritory(facts.postcode) : null;
  const zone = facts.timeZone?.trim();
  if (zone && isTimeZone(zone)) {
    const region = byPostcode?.region ?? byZone.get(zone) ?? (byNumber?.timeZone === zone ? byNumber.region : null);
    return { timeZone: zone, region, from: 'zone' };
  }
  if (byPostcode) return { ...byPostcode, from: 'postcode' };
  if (byNumber) return { ...byNumber, from: 'number' };
  return { timeZone: facts.tenantTimeZone, region: null, from: 'tenant' };
}

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A contact's number in E.164, read in the tenant's country when it has no country code, and where the
 * number itself says its callee is (the calling rules judge hours in the callee's zone).
 */

export interface ContactNumber {
  /** E.164: +33612345678. */
  e164: string;
  /** The number's country or territory (FR, GP, RE, DE…), when the numbering plan tells it. */
  country: CountryCode | undefined;
}

/**
 * The overseas departments share the French national numbering plan: from mainland France, Guadeloupe's
 * mobile 0690 12 34 56 is dialled like any French number, but in E.164 it is +590 690 12 34 56, not
 * +33 690…, which no carrier routes. libphonenumber reads a national number in the default country's
 * code (+33), so these prefixes are moved to their own country code. (Arcep's plan: 0262/0263/0692/0693
 * Réunion, 0269/0639 Mayotte, 0590/0690/0691 Guadeloupe and the northern islands, 0594/0694 Guiana,
 * 0596/0696/0697 Martinique.)
 */
const overseasPrefixes: Record<string, string> = {
  '262': '262',
  '263': '262',
  '692': '262',
  '693': '262',
  '269': '262',
  '639': '262',
  '590': '590',
  '690': '590',
  '691': '590',
  '594': '594',
  '694': '594',
  '596': '596',
  '696': '596',
  '697': '596',
};

/** A spreadsheet's scientific notation (6,12346E+08): the digits it dropped cannot be recovered. */
export const scientificNotation = /^\s*[+-]?\d+(?:[.,]\d+)?\s*e\s*\+?\d+\s*$/i;

/**
 * The number in E.164, or null when it is not a valid phone number. `country` is the tenant's (ISO
 * region): numbers without a country code are read there, including the forms French spreadsheets
 * produce (06 12 34 56 78, 06.12.34.56.78, +33 (0)6…, 0033 6…, and 612345678 or 33612345678 when a
 * spreadsheet stored the number as a number and dropped its leading 0 or +).
 */
export function contactNumber(input: string, country: CountryCode | undefined): ContactNumber | null {
  if (scientificNotation.test(input)) return null;
  const parsed = parsePhoneNumberFromString(input, country);
  if (!parsed) return null;
  if (parsed.countryCallingCode === '33' && parsed.nationalNumber.length === 9) {
    const code = overseasPrefixes[parsed.nationalNumber.slice(0, 3)];
    if (code) {
      const overseas = parsePhoneNumberFromString(`+${code}${parsed.nationalNumber}`);
      // The prefix is the territory's by the national plan, whatever the library's metadata knows of it.
      if (overseas) return { e164: overseas.number, country: overseas.isValid() ? overseas.country : undefined };
    }
  }
  return parsed.isValid() ? { e164: parsed.number, country: parsed.country } : null;
}

/** The French territories whose postcodes are La Poste's five digits. */
export const frenchTerritories: ReadonlySet<string> = new Set(['FR', 'GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF', 'MC']);

/**
 * Where a number's callee is when nothing else says: the territory's zone and department for the French
 * overseas ones (their own holidays), and the zone of countries that have one. Countries with several
 * zones (and the mainland, whose department a mobile number does not tell) give no department.
 */
const territories: Partial<Record<CountryCode, { timeZone: string; region?: string }>> = {
  FR: { timeZone: 'Europe/Paris' },
  GP: { timeZone: 'America/Guadeloupe', region: '971' },
  MQ: { timeZone: 'America/Martinique', region: '972' },
  GF: { timeZone: 'America/Cayenne', region: '973' },
  RE: { timeZone: 'Indian/Reunion', region: '974' },
  PM: { timeZone: 'America/Miquelon', region: '975' },
  YT: { timeZone: 'Indian/Mayotte', region: '976' },
  BL: { timeZone: 'America/St_Barthelemy', region: '977' },
  MF: { timeZone: 'America/Marigot', region: '978' },
  MC: { timeZone: 'Europe/Monaco' },
  BE: { timeZone: 'Europe/Brussels' },
  LU: { timeZone: 'Europe/Luxembourg' },
  CH: { timeZone: 'Europe/Zurich' },
  DE: { timeZone: 'Europe/Berlin' },
  AT: { timeZone: 'Europe/Vienna' },
  IT: { timeZone: 'Europe/Rome' },
  NL: { timeZone: 'Europe/Amsterdam' },
  GB: { timeZone: 'Europe/London' },
  IE: { timeZone: 'Europe/Dublin' },
  PL: { timeZone: 'Europe/Warsaw' },
  MA: { timeZone: 'Africa/Casablanca' },
  DZ: { timeZone: 'Africa/Algiers' },
  TN: { timeZone: 'Africa/Tunis' },
  SN: { timeZone: 'Africa/Dakar' },
  CI: { timeZone: 'Africa/Abidjan' },
};

export function placeOfNumber(country: CountryCode | undefined): { timeZone: string; region: string | null } | null {
  const place = country ? territories[country] : undefined;
  return place ? { timeZone: place.timeZone, region: place.region ?? null } : null;
}

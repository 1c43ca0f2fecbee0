import { describe, expect, it } from 'vitest';
import { locateCallee, postcodeTerritory, type CalleeFacts } from './callee.ts';

const tenant = 'Europe/Paris';

describe('the callee’s zone and region: explicit zone, then postcode, then number, then the tenant’s', () => {
  it.each<[string, Omit<CalleeFacts, 'tenantTimeZone'>, { timeZone: string; region: string | null; from: string }]>([
    // An explicit IANA zone wins; the region comes from the postcode, or the zone when only one territory uses it.
    ['explicit zone', { timeZone: 'America/Guadeloupe', phone: '+33612345678' }, { timeZone: 'America/Guadeloupe', region: '971', from: 'zone' }],
    ['explicit zone, postcode region', { timeZone: 'Europe/Paris', postcode: '67000', phone: '+33612345678' }, { timeZone: 'Europe/Paris', region: '67', from: 'zone' }],
    ['explicit zone, number region', { timeZone: 'Indian/Reunion', phone: '+262692123456' }, { timeZone: 'Indian/Reunion', region: '974', from: 'zone' }],
    ['explicit foreign zone', { timeZone: 'America/New_York', phone: '+12125550100' }, { timeZone: 'America/New_York', region: null, from: 'zone' }],
    ['invalid zone falls through', { timeZone: 'Mars/Olympus', postcode: '97200', phone: '+33612345678' }, { timeZone: 'America/Martinique', region: '972', from: 'postcode' }],
    // Postcodes.
    ['Paris', { postcode: '75011', phone: '+590690123456' }, { timeZone: 'Europe/Paris', region: '75', from: 'postcode' }],
    ['Strasbourg', { postcode: '67000', phone: '+33388000000' }, { timeZone: 'Europe/Paris', region: '67', from: 'postcode' }],
    ['Metz, with a space', { postcode: '57 000', phone: '+33387000000' }, { timeZone: 'Europe/Paris', region: '57', from: 'postcode' }],
    ['Ajaccio', { postcode: '20000', phone: '+33495000000' }, { timeZone: 'Europe/Paris', region: '2A', from: 'postcode' }],
    ['Porto-Vecchio', { postcode: '20137', phone: '+33495000000' }, { timeZone: 'Europe/Paris', region: '2A', from: 'postcode' }],
    ['Bastia', { postcode: '20200', phone: '+33495000000' }, { timeZone: 'Europe/Paris', region: '2B', from: 'postcode' }],
    ['Calvi', { postcode: '20260', phone: '+33495000000' }, { timeZone: 'Europe/Paris', region: '2B', from: 'postcode' }],
    ['Pointe-à-Pitre', { postcode: '97110', phone: '+33612345678' }, { timeZone: 'America/Guadeloupe', region: '971', from: 'postcode' }],
    ['Fort-de-France', { postcode: '97200', phone: '+33612345678' }, { timeZone: 'America/Martinique', region: '972', from: 'postcode' }],
    ['Cayenne', { postcode: '97300', phone: '+33612345678' }, { timeZone: 'America/Cayenne', region: '973', from: 'postcode' }],
    ['Saint-Denis (Réunion)', { postcode: '97400', phone: '+33612345678' }, { timeZone: 'Indian/Reunion', region: '974', from: 'postcode' }],
    ['Saint-Pierre (Miquelon)', { postcode: '97500', phone: '+33612345678' }, { timeZone: 'America/Miquelon', region: '975', from: 'postcode' }],
    ['Mamoudzou', { postcode: '97600', phone: '+33612345678' }, { timeZone: 'Indian/Mayotte', region: '976', from: 'postcode' }],
    ['Saint-Barthélemy', { postcode: '97133', phone: '+33612345678' }, { timeZone: 'America/St_Barthelemy', region: '977', from: 'postcode' }],
    ['Saint-Martin', { postcode: '97150', phone: '+33612345678' }, { timeZone: 'America/Marigot', region: '978', from: 'postcode' }],
    ['Nouméa', { postcode: '98800', phone: '+687123456' }, { timeZone: 'Pacific/Noumea', region: '988', from: 'postcode' }],
    ['a foreign number’s postcode is not read as French', { postcode: '67655', phone: '+4963112345678' }, { timeZone: tenant, region: null, from: 'tenant' }],
    ['a postcode that is not one', { postcode: 'SW1A 1AA', phone: '+596596123456' }, { timeZone: 'America/Martinique', region: '972', from: 'number' }],
    // Numbers.
    ['+33', { phone: '+33142868200' }, { timeZone: 'Europe/Paris', region: null, from: 'number' }],
    ['+590 Guadeloupe', { phone: '+590590811234' }, { timeZone: 'America/Guadeloupe', region: '971', from: 'number' }],
    ['+590 Saint-Barthélemy', { phone: '+590590271234' }, { timeZone: 'America/St_Barthelemy', region: '977', from: 'number' }],
    ['+596 Martinique', { phone: '+596696123456' }, { timeZone: 'America/Martinique', region: '972', from: 'number' }],
    ['+594 Guyane', { phone: '+594694123456' }, { timeZone: 'America/Cayenne', region: '973', from: 'number' }],
    ['+262 La Réunion', { phone: '+262262123456' }, { timeZone: 'Indian/Reunion', region: '974', from: 'number' }],
    ['+262 692 La Réunion mobile', { phone: '+262692123456' }, { timeZone: 'Indian/Reunion', region: '974', from: 'number' }],
    ['+262 269 Mayotte', { phone: '+262269601234' }, { timeZone: 'Indian/Mayotte', region: '976', from: 'number' }],
    ['+262 639 Mayotte mobile', { phone: '+262639012345' }, { timeZone: 'Indian/Mayotte', region: '976', from: 'number' }],
    ['+508 Saint-Pierre-et-Miquelon', { phone: '+508411234' }, { timeZone: 'America/Miquelon', region: '975', from: 'number' }],
    // Nothing French: the tenant's zone.
    ['a Belgian number', { phone: '+3225551234' }, { timeZone: tenant, region: null, from: 'tenant' }],
    ['not a number', { phone: 'nonsense' }, { timeZone: tenant, region: null, from: 'tenant' }],
  ])('%s', (_label, input, expected) => {
    expect(locateCallee({ ...input, tenantTimeZone: tenant })).toEqual(expected);
  });

  it('reads no postcode from nonsense', () => {
    for (const p of ['', '7500', '750011', '00123', 'ABCDE', '\u0000', '9'.repeat(10_000)]) expect(postcodeTerritory(p)).toBeNull();
  });

  it('uses the tenant’s zone when it is not Paris', () => {
    expect(locateCallee({ phone: '+3225551234', tenantTimeZone: 'Europe/Brussels' })).toEqual({ timeZone: 'Europe/Brussels', region: null, from: 'tenant' });
  });
});

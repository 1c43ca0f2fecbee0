import { describe, expect, it } from 'vitest';
import { tidyFrenchPostcode, zoneForFrenchPostcode } from './postcode.ts';

describe('French postcodes', () => {
  it('gives the overseas departments their zone and three-digit code', () => {
    expect(
      ['97110', '97200', '97300', '97400', '97500', '97600'].map((p) => [zoneForFrenchPostcode(p)?.timeZone, zoneForFrenchPostcode(p)?.region]),
    ).toEqual([
      ['America/Guadeloupe', '971'],
      ['America/Martinique', '972'],
      ['America/Cayenne', '973'],
      ['Indian/Reunion', '974'],
      ['America/Miquelon', '975'],
      ['Indian/Mayotte', '976'],
    ]);
  });

  it('gives the mainland Europe/Paris and the department, Corsica as 2A and 2B', () => {
    expect(zoneForFrenchPostcode('75011')).toEqual({ timeZone: 'Europe/Paris', region: '75' });
    expect(zoneForFrenchPostcode('57000')).toEqual({ timeZone: 'Europe/Paris', region: '57' });
    expect(zoneForFrenchPostcode('01000')).toEqual({ timeZone: 'Europe/Paris', region: '01' });
    expect(zoneForFrenchPostcode('20000')?.region).toBe('2A');
    expect(zoneForFrenchPostcode('20167')?.region).toBe('2A');
    expect(zoneForFrenchPostcode('20200')?.region).toBe('2B');
    expect(zoneForFrenchPostcode('20600')?.region).toBe('2B');
  });

  it('knows no department for codes La Poste does not use, nor for malformed ones', () => {
    for (const code of ['00100', '96100', '99000', '97900', '9740', '7501A', '750011', '']) expect(zoneForFrenchPostcode(code), code).toBeNull();
  });

  it('tidies what spreadsheets and people do to postcodes', () => {
    expect(tidyFrenchPostcode('1000')).toBe('01000'); // stored as a number, leading zero lost
    expect(tidyFrenchPostcode('75 011')).toBe('75011');
    expect(tidyFrenchPostcode('750')).toBeNull();
    expect(tidyFrenchPostcode('F-75011')).toBeNull();
  });
});

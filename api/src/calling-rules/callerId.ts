/**
 * Caller IDs for automated calling. Arcep's numbering plan (décision 2018-0881 as amended by décision
 * 2022-1583 du 1er septembre 2022, in force since 1 January 2023) forbids automated calling systems to
 * present mobile, geographic or polyvalent numbers except from ranges reserved for them:
 * 01 62, 01 63, 02 70, 02 71, 03 77, 03 78, 04 24, 04 25, 05 68, 05 69, 09 48, 09 49 in metropolitan
 * France, and overseas 09 47 5 (Guadeloupe, Saint-Martin, Saint-Barthélemy), 09 47 6 (Guyane),
 * 09 47 7 (Martinique), 09 47 8 and 09 47 9 (La Réunion, Mayotte) — written in E.164 with the
 * territory's country code, as libphonenumber-js's metadata places them (+590 9475…, +594 9476…,
 * +596 9477…, +262 9478… and +262 9479…).
 * A predictive or progressive campaign is an automated calling system; a preview campaign, where the
 * operator decides each dial, is not.
 */

export const automatedCallingRanges: readonly { prefix: string; territory: string }[] = [
  ...['162', '163', '270', '271', '377', '378', '424', '425', '568', '569', '948', '949'].map((p) => ({ prefix: `+33${p}`, territory: 'Metropolitan France' })),
  { prefix: '+5909475', territory: 'Guadeloupe, Saint-Martin, Saint-Barthélemy' },
  { prefix: '+5949476', territory: 'Guyane' },
  { prefix: '+5969477', territory: 'Martinique' },
  { prefix: '+2629478', territory: 'La Réunion, Mayotte' },
  { prefix: '+2629479', territory: 'La Réunion, Mayotte' },
];

/** The reserved range an E.164 caller ID belongs to, or null. */
export function automatedCallingRange(callerId: string): { prefix: string; territory: string } | null {
  if (!/^\+[1-9]\d{6,14}$/.test(callerId)) return null;
  return automatedCallingRanges.find((r) => callerId.startsWith(r.prefix)) ?? null;
}

export function isAutomatedCallingNumber(callerId: string): boolean {
  return automatedCallingRange(callerId) !== null;
}

/** A warning for a campaign whose dialler is automated (progressive, predictive) and whose caller ID is not in a reserved range; null otherwise. */
export function callerIdWarning(mode: 'preview' | 'progressive' | 'predictive', callerId: string): string | null {
  if (mode === 'preview' || isAutomatedCallingNumber(callerId)) return null;
  return `The caller ID ${callerId} is not in a range Arcep reserves for automated calling systems (01 62, 01 63, 02 70, 02 71, 03 77, 03 78, 04 24, 04 25, 05 68, 05 69, 09 48, 09 49; overseas 09 47 5 to 09 47 9), which a ${mode} campaign must present.`;
}

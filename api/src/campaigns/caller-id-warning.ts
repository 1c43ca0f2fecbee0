/**
 * Arcep reserves number ranges for automated calling systems (décision n° 2022-1583): a campaign that
 * dials by itself (progressive, predictive) should present a caller ID from them. Only a warning: the
 * campaign is saved, the client sees why the number may be refused by carriers or callees.
 *
 * TODO(issue 15): api/src/calling-rules/callerId.ts (`isArcepAutomatedRange`) is the calling rules'
 * own version of this check; the lead reconciles the two at merge and this file then re-exports it.
 */
const automatedCallingPrefixes = ['+33162', '+33163', '+33270', '+33271', '+33377', '+33378', '+33424', '+33425', '+33568', '+33569', '+33948', '+33949'];

export function isArcepAutomatedRange(e164: string): boolean {
  return automatedCallingPrefixes.some((prefix) => e164.startsWith(prefix));
}

/** The warning a campaign's answer carries, or null: only modes where the dialler places the call themselves. */
export function callerIdWarning(mode: string, callerId: string): string | null {
  if (mode === 'preview' || isArcepAutomatedRange(callerId)) return null;
  return `The caller ID ${callerId} is not in the ranges Arcep reserves for automated calls (+33 162, 163, 270, 271, 377, 378, 424, 425, 568, 569, 948, 949): a ${mode} campaign should present one of them.`;
}

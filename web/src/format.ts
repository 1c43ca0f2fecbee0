/** Formatting shared by the views; the tenant's own IANA zone is always explicit. */
import { callFunctions } from '@switchboard/db/call-functions';

export function localTime(now: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(now);
  } catch {
    return '—';
  }
}

export function utcOffset(now: Date, timeZone: string): string {
  try {
    const part = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'shortOffset' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

export function dateTime(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function date(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { timeZone, dateStyle: 'medium' }).format(d);
}

/** `member.invited` → `Member invited`. */
export function actionLabel(action: string): string {
  const text = action.replace(/[._]/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function skillLabel(skill: string): string {
  return knownSkills.find((s) => s.value === skill)?.label ?? actionLabel(skill);
}

/** The functions a tenant can delegate (DESIGN.md), as operator skills. */
export const knownSkills = callFunctions.map((f) => ({ value: f.id, label: f.label }));

/** Where a script's transfer step sends the call, in words: "a Complaints specialist", "Fraud desk (+4969…)", "Fraud desk (directory)". */
export function transferDestinationLabel(to: import('@switchboard/api/scripts').TransferStep['to'], ownTeam = "the client's own team"): string {
  if (to.kind === 'skill') return `a ${skillLabel(to.skill)} specialist`;
  if (to.kind === 'directory') return to.entry;
  return `${to.label || ownTeam}${to.phone ? ` (${to.phone})` : ''}`;
}

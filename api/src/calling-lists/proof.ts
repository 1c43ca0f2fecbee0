import type { TenantTx, UserKind } from '@switchboard/db';
import type { Language } from '@switchboard/db/languages';
import { notFound } from '../http/problem.ts';
import type { Rules } from '../rules/definition.ts';
import { exportableFields } from '../rules/visibility.ts';
import { maskPhone } from '../rules/viewer.ts';
import { localDateTime, type ExportTable, type ExportValue } from '../records/export.ts';

/**
 * A contact's proof of compliance with the calling rules: what a client shows a regulator (DGCCRF) or
 * the person. Everything the tenant knows of the number, whichever campaign: each attempt with its time
 * in UTC and in the callee's zone, its outcome and operator; each dial the rules refused and why; the
 * person's refusals; consents; the opposition lists and whether the number was on them; the do-not-call
 * entry. The phone is shown as the viewer's rules allow (and in exports only when the rules let it leave).
 */

export interface Proof {
  contact: { id: string; campaignId: string; phone: string | null; timeZone: string };
  attempts: {
    id: string;
    campaign: string;
    mode: string;
    status: string;
    outcome: string | null;
    skipReason: string | null;
    operator: string | null;
    callerId: string;
    calleeTimeZone: string;
    createdAt: string;
    dialledAt: string | null;
    dialledAtLocal: string | null;
    answeredAt: string | null;
    endedAt: string | null;
  }[];
  ruleRefusals: { at: string; atLocal: string; campaign: string; rule: string; detail: string }[];
  personRefusals: { refusedAt: string; refusedAtLocal: string; campaign: string | null }[];
  consents: { source: string; givenAt: string; withdrawnAt: string | null; recordedAt: string; recordedBy: string }[];
  oppositionLists: { name: string; source: string; checkedOn: string; uploadedAt: string; onList: boolean }[];
  doNotCall: { source: string; note: string | null; addedAt: string; addedBy: string } | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const dayOf = (value: unknown): string => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10));

export async function loadProof(tx: TenantTx, campaignId: string, contactId: string, rules: Rules, viewer: UserKind): Promise<Proof> {
  const contact = await tx.selectFrom('campaignContacts').select(['id', 'campaignId', 'phone', 'timeZone']).where('campaignId', '=', campaignId).where('id', '=', contactId).executeTakeFirst();
  if (!contact) throw notFound('No such contact in this campaign.');
  const phone = contact.phone;
  const zone = contact.timeZone;
  const attempts = await tx
    .selectFrom('dialAttempts as a')
    .innerJoin('campaigns as k', 'k.id', 'a.campaignId')
    .leftJoin('users as u', 'u.id', 'a.operatorId')
    .select(['a.id', 'k.name as campaign', 'a.mode', 'a.status', 'a.outcome', 'a.skipReason', 'u.displayName as operator', 'a.callerId', 'a.calleeTimeZone', 'a.createdAt', 'a.dialledAt', 'a.answeredAt', 'a.endedAt'])
    .where('a.phone', '=', phone)
    .orderBy('a.createdAt')
    .orderBy('a.id')
    .execute();
  const ruleRefusals = await tx
    .selectFrom('dialRefusals as r')
    .innerJoin('campaigns as k', 'k.id', 'r.campaignId')
    .select(['r.at', 'k.name as campaign', 'r.rule', 'r.detail'])
    .where('r.phone', '=', phone)
    .orderBy('r.at')
    .execute();
  const personRefusals = await tx
    .selectFrom('solicitationRefusals as s')
    .leftJoin('campaigns as k', 'k.id', 's.campaignId')
    .select(['s.refusedAt', 'k.name as campaign'])
    .where('s.phone', '=', phone)
    .orderBy('s.refusedAt')
    .execute();
  const consents = await tx.selectFrom('consents').select(['source', 'givenAt', 'withdrawnAt', 'recordedAt', 'recordedBy']).where('phone', '=', phone).orderBy('givenAt').execute();
  const lists = await tx
    .selectFrom('oppositionLists as l')
    .select((eb) => [
      'l.name',
      'l.source',
      'l.checkedOn',
      'l.uploadedAt',
      eb.exists(eb.selectFrom('oppositionNumbers as n').select('n.phone').whereRef('n.listId', '=', 'l.id').where('n.phone', '=', phone)).as('onList'),
    ])
    .orderBy('l.checkedOn')
    .execute();
  const dnc = await tx.selectFrom('doNotCall').select(['source', 'note', 'addedAt', 'addedBy']).where('phone', '=', phone).executeTakeFirst();
  return {
    contact: { id: contact.id, campaignId: contact.campaignId, phone: maskPhone(phone, rules, viewer), timeZone: zone },
    attempts: attempts.map((a) => ({
      id: a.id,
      campaign: a.campaign,
      mode: a.mode,
      status: a.status,
      outcome: a.outcome,
      skipReason: a.skipReason,
      operator: a.operator,
      callerId: a.callerId,
      calleeTimeZone: a.calleeTimeZone,
      createdAt: a.createdAt.toISOString(),
      dialledAt: iso(a.dialledAt),
      dialledAtLocal: a.dialledAt ? localDateTime(a.dialledAt, a.calleeTimeZone) : null,
      answeredAt: iso(a.answeredAt),
      endedAt: iso(a.endedAt),
    })),
    ruleRefusals: ruleRefusals.map((r) => ({ at: r.at.toISOString(), atLocal: localDateTime(r.at, zone), campaign: r.campaign, rule: r.rule, detail: r.detail })),
    personRefusals: personRefusals.map((r) => ({ refusedAt: r.refusedAt.toISOString(), refusedAtLocal: localDateTime(r.refusedAt, zone), campaign: r.campaign })),
    consents: consents.map((c) => ({ source: c.source, givenAt: c.givenAt.toISOString(), withdrawnAt: iso(c.withdrawnAt), recordedAt: c.recordedAt.toISOString(), recordedBy: c.recordedBy })),
    oppositionLists: lists.map((l) => ({
      name: l.name,
      source: l.source,
      checkedOn: dayOf(l.checkedOn),
      uploadedAt: l.uploadedAt.toISOString(),
      onList: Boolean(l.onList),
    })),
    doNotCall: dnc ? { source: dnc.source, note: dnc.note, addedAt: dnc.addedAt.toISOString(), addedBy: dnc.addedBy } : null,
  };
}

/** The proof's words in a spreadsheet, in the reader's language (the export's own words live beside it). */
const words: Record<Language, { header: string[]; event: Record<string, string> }> = {
  en: {
    header: ['Event', 'At', "Callee's local time", "Callee's zone", 'Campaign', 'Outcome or rule', 'Detail', 'Operator', 'Phone'],
    event: { attempt: 'Call attempt', rule: 'Refused by the calling rules', refusal: 'The person refused', consent: 'Consent', withdrawn: 'Consent withdrawn', opposition: 'Opposition list checked', doNotCall: 'On the do-not-call list', onList: 'number on the list', notOnList: 'number not on the list' },
  },
  fr: {
    header: ['Événement', 'Date', 'Heure locale de l’appelé', 'Fuseau de l’appelé', 'Campagne', 'Résultat ou règle', 'Détail', 'Opérateur', 'Téléphone'],
    event: { attempt: 'Tentative d’appel', rule: 'Refusé par les règles d’appel', refusal: 'La personne a refusé', consent: 'Consentement', withdrawn: 'Consentement retiré', opposition: 'Liste d’opposition vérifiée', doNotCall: 'Sur la liste « ne pas appeler »', onList: 'numéro sur la liste', notOnList: 'numéro absent de la liste' },
  },
  de: {
    header: ['Ereignis', 'Zeitpunkt', 'Ortszeit des Angerufenen', 'Zeitzone des Angerufenen', 'Kampagne', 'Ergebnis oder Regel', 'Detail', 'Operator', 'Telefon'],
    event: { attempt: 'Anrufversuch', rule: 'Von den Anrufregeln abgelehnt', refusal: 'Die Person hat abgelehnt', consent: 'Einwilligung', withdrawn: 'Einwilligung widerrufen', opposition: 'Sperrliste geprüft', doNotCall: 'Auf der Nicht-anrufen-Liste', onList: 'Nummer auf der Liste', notOnList: 'Nummer nicht auf der Liste' },
  },
  ru: {
    header: ['Событие', 'Время', 'Местное время абонента', 'Часовой пояс абонента', 'Кампания', 'Результат или правило', 'Подробности', 'Оператор', 'Телефон'],
    event: { attempt: 'Попытка звонка', rule: 'Отклонено правилами обзвона', refusal: 'Человек отказался', consent: 'Согласие', withdrawn: 'Согласие отозвано', opposition: 'Проверен список отказа', doNotCall: 'В списке «не звонить»', onList: 'номер в списке', notOnList: 'номера нет в списке' },
  },
};

/** One row per event, oldest first; the "At" column in UTC (the header says so), the callee's wall-clock time beside it. */
export function proofTable(proof: Proof, language: Language, rules: Rules): ExportTable {
  const w = words[language];
  const withPhone = exportableFields('customer', rules).includes('phone');
  const zone = proof.contact.timeZone;
  const rows: { at: Date; cells: ExportValue[] }[] = [];
  const local = (at: Date, tz: string) => localDateTime(at, tz);
  const row = (event: string, at: Date, tz: string, campaign: string | null, outcome: string | null, detail: string | null, operator: string | null) =>
    rows.push({ at, cells: [event, at, local(at, tz), tz, campaign, outcome, detail, operator, ...(withPhone ? [proof.contact.phone] : [])] });
  for (const a of proof.attempts) {
    const at = new Date(a.dialledAt ?? a.createdAt);
    row(w.event.attempt!, at, a.calleeTimeZone, a.campaign, a.outcome ?? a.status, [a.mode, a.skipReason].filter(Boolean).join(' · ') || null, a.operator);
  }
  for (const r of proof.ruleRefusals) row(w.event.rule!, new Date(r.at), zone, r.campaign, r.rule, r.detail, null);
  for (const r of proof.personRefusals) row(w.event.refusal!, new Date(r.refusedAt), zone, r.campaign, null, null, null);
  for (const c of proof.consents) {
    row(w.event.consent!, new Date(c.givenAt), zone, null, null, c.source, c.recordedBy);
    if (c.withdrawnAt) row(w.event.withdrawn!, new Date(c.withdrawnAt), zone, null, null, c.source, null);
  }
  for (const l of proof.oppositionLists) row(w.event.opposition!, new Date(`${l.checkedOn}T00:00:00Z`), zone, null, l.onList ? w.event.onList! : w.event.notOnList!, `${l.name} (${l.source}, ${l.checkedOn})`, null);
  if (proof.doNotCall) row(w.event.doNotCall!, new Date(proof.doNotCall.addedAt), zone, null, proof.doNotCall.source, proof.doNotCall.note, proof.doNotCall.addedBy);
  rows.sort((a, b) => a.at.getTime() - b.at.getTime());
  const [event, at, localTime, tz, campaign, outcome, detail, operator, phone] = w.header;
  return {
    sheet: 'proof',
    columns: [
      { header: 'status', kind: 'text', label: event! },
      { header: 'createdAt', kind: 'time', label: at! },
      { header: 'status', kind: 'text', label: localTime! },
      { header: 'status', kind: 'text', label: tz! },
      { header: 'status', kind: 'text', label: campaign! },
      { header: 'status', kind: 'text', label: outcome! },
      { header: 'status', kind: 'text', label: detail! },
      { header: 'operator', kind: 'text', label: operator! },
      ...(withPhone ? [{ header: 'callerNumber' as const, kind: 'phone' as const, label: phone! }] : []),
    ],
    rows: rows.map((r) => r.cells),
  };
}

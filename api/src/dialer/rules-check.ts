import { sql } from 'kysely';
import { newId, type TenantTx, type WeekWindow } from '@switchboard/db';
import { isRulesProfileId, judgeDial, type DialFacts, type Judgement } from '../calling-rules/index.ts';

export interface DialSubject {
  campaignId: string;
  contactId: string;
  phone: string;
  timeZone: string;
  region: string | null;
}

export interface CampaignRules {
  rulesProfile: string;
  requiresConsent: boolean;
  callingHours: WeekWindow;
}

/**
 * The facts the calling rules read about one number, in one statement, at the moment of the dial: every
 * dial of it on behalf of this tenant in the last 30 days (any campaign, any operator), its latest
 * refusal, whether it is on the tenant's do-not-call list or an uploaded opposition list, and whether a
 * consent not withdrawn is on record.
 */
export async function dialFacts(tx: TenantTx, phone: string, now: Date): Promise<Omit<DialFacts, 'now' | 'calleeTimeZone' | 'calleeRegion' | 'requiresConsent' | 'campaignWindow'>> {
  const { rows } = await sql<{ attempts: (Date | string)[] | null; lastRefusalAt: Date | string | null; onDoNotCall: boolean; onOpposition: boolean; consent: boolean }>`
    select
      (select array_agg(dialled_at order by dialled_at) from dial_attempts
        where phone = ${phone} and dialled_at > ${now}::timestamptz - interval '30 days') as attempts,
      (select max(refused_at) from solicitation_refusals where phone = ${phone}) as "lastRefusalAt",
      exists (select 1 from do_not_call where phone = ${phone}) as "onDoNotCall",
      exists (select 1 from opposition_numbers where phone = ${phone}) as "onOpposition",
      exists (select 1 from consents where phone = ${phone} and given_at <= ${now} and (withdrawn_at is null or withdrawn_at > ${now})) as consent`.execute(tx);
  const row = rows[0]!;
  return {
    attemptTimesLast30Days: (row.attempts ?? []).map((d) => new Date(d)),
    lastRefusalAt: row.lastRefusalAt ? new Date(row.lastRefusalAt) : null,
    onDoNotCall: row.onDoNotCall,
    onOpposition: row.onOpposition,
    consent: row.consent,
  };
}

/** Judges a dial now; a refusal is logged with its rule (the proof of compliance reads the log). */
export async function checkDial(tx: TenantTx, campaign: CampaignRules, subject: DialSubject, now: Date): Promise<Judgement> {
  const facts = await dialFacts(tx, subject.phone, now);
  // An unknown profile (a country removed from the data) is judged as France: the strictest we know.
  const judgement = judgeDial(isRulesProfileId(campaign.rulesProfile) ? campaign.rulesProfile : 'fr', {
    ...facts,
    now,
    calleeTimeZone: subject.timeZone,
    calleeRegion: subject.region,
    requiresConsent: campaign.requiresConsent,
    campaignWindow: campaign.callingHours,
  });
  if (!judgement.ok) {
    await tx
      .insertInto('dialRefusals')
      .values({
        tenantId: sql<string>`app.current_tenant_id()`,
        id: newId(),
        campaignId: subject.campaignId,
        contactId: subject.contactId,
        phone: subject.phone,
        at: now,
        rule: judgement.rule,
        detail: judgement.detail.slice(0, 500),
      })
      .execute();
  }
  return judgement;
}

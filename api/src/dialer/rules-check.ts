import { sql } from 'kysely';
import { newId, type TenantTx, type WeekWindow } from '@switchboard/db';
import { isRulesProfileId, judgeDial, type Judgement } from '../calling-rules/index.ts';
import { dialFacts } from '../calling-lists/service.ts';
import { localText, nextLocalMidnight } from './local-time.ts';

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

/** The calling rules' judgement, or the abandonment rule's (kept with the dialer: it is about our own dials, not the law's profiles). */
export type DialJudgement = Judgement | { ok: false; rule: 'abandoned'; detail: string; retryAt: Date };

/** Judges a dial now; a refusal is logged with its rule (the proof of compliance reads the log). */
export async function checkDial(tx: TenantTx, campaign: CampaignRules, subject: DialSubject, now: Date): Promise<DialJudgement> {
  // Two campaigns (or two processes) judging one number at once would each count the other's dial as not
  // yet made: the number is judged and dialled by one transaction at a time in the tenant.
  await sql`select pg_advisory_xact_lock(hashtext(app.current_tenant_id()::text || ${subject.phone}))`.execute(tx);
  const { lastAbandonedAt, ...facts } = await dialFacts(tx, subject.phone, now);
  // An unknown profile (a country removed from the data) is judged as France: the strictest we know.
  let judgement: DialJudgement = judgeDial(isRulesProfileId(campaign.rulesProfile) ? campaign.rulesProfile : 'fr', {
    ...facts,
    now,
    calleeTimeZone: subject.timeZone,
    calleeRegion: subject.region,
    requiresConsent: campaign.requiresConsent,
    campaignWindow: campaign.callingHours,
  });
  // A person who answered a predictive call nobody took heard the campaign's message: whichever campaign of
  // the company calls next, not again before their next local midnight (the abandonment rule of issue 15).
  const abandonedUntil = lastAbandonedAt ? nextLocalMidnight(lastAbandonedAt, subject.timeZone) : null;
  if (judgement.ok && abandonedUntil && abandonedUntil > now) {
    judgement = { ok: false, rule: 'abandoned', detail: `This person's call was abandoned today (${localText(lastAbandonedAt!, subject.timeZone)} their time): not called again before tomorrow.`, retryAt: abandonedUntil };
  }
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

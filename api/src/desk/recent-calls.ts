import type { Kysely } from 'kysely';
import { withApp, withTenant, type DB } from '@switchboard/db';
import { servedTenants } from './served-tenants.ts';
import { maskPhone } from '../contacts/service.ts';
import { ProblemError } from '../http/problem.ts';
import { loadRules } from '../rules/service.ts';
import { needsCompleting } from './wrap-up.ts';
import { recentDays } from './handled-call.ts';

/** How many "my recent calls" lists (how far back it reaches: recentDays, beside handledCall). */
const recentLimit = 30;

export interface RecentCall {
  tenant: string;
  tenantName: string;
  brandColor: string;
  callId: string;
  function: string;
  callerNumber: string | null;
  answeredAt: string;
  endedAt: string | null;
  talkSeconds: number | null;
  status: 'completed' | 'transferred_out';
  disposition: string | null;
  dispositionLabel: string | null;
  notes: string | null;
  /** Wrap-up ran out with no outcome: the operator completes it (from the draft, if one was saved). */
  needsCompleting: boolean;
  draft: { disposition: string | null; dispositionLabel: string | null; notes: string | null; savedAt: string } | null;
}

const iso = (value: Date | string) => new Date(value).toISOString();

/**
 * The operator's own handled calls of the last days, newest first, across the tenants they serve:
 * read tenant by tenant under each one's context, the caller's number masked as each tenant's rules
 * mask it for an operator.
 */
export async function listMyRecentCalls(db: Kysely<DB>, operatorId: string, now: Date): Promise<{ calls: RecentCall[]; needsCompleting: number }> {
  // Between calls only: on a call (or its wrap-up) the desk shows nothing of another client.
  const presence = await withApp(db, (tx) => tx.selectFrom('operatorPresence').select('state').where('operatorId', '=', operatorId).executeTakeFirst());
  if (presence?.state === 'on_call' || presence?.state === 'wrap_up') {
    throw new ProblemError(409, 'on-a-call', 'On a call', 'Your recent calls are shown between calls, not while you are on one.');
  }
  const { tenants } = await servedTenants(db, operatorId);
  const since = new Date(now.getTime() - recentDays * 24 * 3600 * 1000);
  const calls: RecentCall[] = [];
  for (const tenant of tenants) {
    const found = await withTenant(db, tenant.id, async (tx) => {
      const rules = await loadRules(tx);
      const rows = await tx
        .selectFrom('calls as k')
        .leftJoin('wrapUpCodes as w', 'w.code', 'k.disposition')
        .leftJoin('wrapUpCodes as d', 'd.code', 'k.draftDisposition')
        .select([
          'k.id',
          'k.function',
          'k.callerNumber',
          'k.answeredAt',
          'k.endedAt',
          'k.status',
          'k.disposition',
          'w.label as dispositionLabel',
          'k.notes',
          'k.draftDisposition',
          'd.label as draftDispositionLabel',
          'k.draftNotes',
          'k.draftSavedAt',
        ])
        .where('k.operatorId', '=', operatorId)
        .where('k.status', 'in', ['completed', 'transferred_out'])
        .where('k.answeredAt', '>=', since)
        .orderBy('k.answeredAt', 'desc')
        .limit(recentLimit)
        .execute();
      return rows.map((r): RecentCall => {
        const answeredAt = r.answeredAt!;
        return {
          tenant: tenant.slug,
          tenantName: tenant.name,
          brandColor: tenant.brandColor,
          callId: r.id,
          function: r.function,
          callerNumber: maskPhone(r.callerNumber, rules, 'operator'),
          answeredAt: iso(answeredAt),
          endedAt: r.endedAt ? iso(r.endedAt) : null,
          talkSeconds: r.endedAt ? Math.max(0, Math.round((new Date(r.endedAt).getTime() - new Date(answeredAt).getTime()) / 1000)) : null,
          status: r.status as RecentCall['status'],
          disposition: r.disposition,
          dispositionLabel: r.dispositionLabel,
          notes: r.notes,
          needsCompleting: needsCompleting(r),
          draft: r.draftSavedAt
            ? { disposition: r.draftDisposition, dispositionLabel: r.draftDispositionLabel, notes: r.draftNotes, savedAt: iso(r.draftSavedAt) }
            : null,
        };
      });
    });
    calls.push(...found);
  }
  calls.sort((a, b) => (a.answeredAt < b.answeredAt ? 1 : a.answeredAt > b.answeredAt ? -1 : 0));
  const listed = calls.slice(0, recentLimit);
  return { calls: listed, needsCompleting: listed.filter((c) => c.needsCompleting).length };
}

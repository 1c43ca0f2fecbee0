import { sql } from 'kysely';
import type { TenantTx } from '@switchboard/db';
import { ScriptBodySchema } from '../scripts/model.ts';
import { replayAnswers } from '../scripts/answers.ts';
import type { AnswerValue } from '../scripts/walk.ts';

/**
 * The repair of survey counts (migration 0028 keeps them by triggers as answers are written and
 * deleted): for the tenant of the transaction — all its questionnaires, one script, or one version —
 * each call's answers are replayed against their script version to judge again which are on the walk's
 * path (`call_answers.on_path`; answers stored before 0028 were taken as on it), then the counts are
 * rebuilt from the answers by `app.recompute_survey_counts`. Safe to run at any time, as often as wanted:
 * it writes what the answers say. Answers how many answers changed side.
 */
export async function recomputeSurveyCounts(tx: TenantTx, tenantId: string, scope: { scriptId?: string; version?: number } = {}): Promise<{ answersMoved: number }> {
  let versions = tx.selectFrom('callAnswerSets').select(['scriptId', 'scriptVersion']).distinct();
  if (scope.scriptId) versions = versions.where('scriptId', '=', scope.scriptId);
  if (scope.version !== undefined) versions = versions.where('scriptVersion', '=', scope.version);
  let answersMoved = 0;
  for (const { scriptId, scriptVersion } of await versions.execute()) {
    const row = await tx.selectFrom('scriptVersions').select('body').where('scriptId', '=', scriptId).where('version', '=', scriptVersion).executeTakeFirst();
    const parsed = ScriptBodySchema.safeParse(row?.body ?? null);
    if (!parsed.success) continue;
    const body = parsed.data;
    // A page of calls at a time, in call order, with their answers and which of them are on the path now.
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await tx
        .selectFrom('callAnswerSets as s')
        .innerJoin('callAnswers as a', 'a.callId', 's.callId')
        .select(['s.callId', sql<Record<string, AnswerValue>>`jsonb_object_agg(${sql.ref('a.stepId')}, ${sql.ref('a.value')})`.as('values'), sql<string[]>`array_agg(${sql.ref('a.stepId')}) filter (where ${sql.ref('a.onPath')})`.as('onPath')])
        .where('s.scriptId', '=', scriptId)
        .where('s.scriptVersion', '=', scriptVersion)
        .where('s.callId', '>', after)
        .groupBy('s.callId')
        .orderBy('s.callId')
        .limit(1000)
        .execute();
      const moves: { callId: string; stepId: string; onPath: boolean }[] = [];
      for (const call of page) {
        const walked = new Set(replayAnswers(body, call.values).trail);
        const was = new Set(call.onPath ?? []);
        for (const stepId of Object.keys(call.values)) if (walked.has(stepId) !== was.has(stepId)) moves.push({ callId: call.callId, stepId, onPath: walked.has(stepId) });
      }
      for (const onPath of [true, false]) {
        const keys = moves.filter((m) => m.onPath === onPath).map((m) => sql`(${m.callId}::uuid, ${m.stepId}::text)`);
        if (keys.length) await tx.updateTable('callAnswers').set({ onPath }).where(sql<boolean>`(call_id, step_id) in (${sql.join(keys)})`).execute();
      }
      answersMoved += moves.length;
      if (page.length < 1000) break;
      after = page[page.length - 1]!.callId;
    }
  }
  await sql`select app.recompute_survey_counts(${tenantId}::uuid, ${scope.scriptId ?? null}::uuid, ${scope.version ?? null}::integer)`.execute(tx);
  return { answersMoved };
}

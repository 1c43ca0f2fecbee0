import type { Language } from '@switchboard/db/languages';
import type { TenantTx } from '@switchboard/db';
import { EXPORT_ROW_LIMIT, type ExportColumn, type ExportTable } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';
import { surveysOf, type SatisfactionFilter } from './summary.ts';

/**
 * The satisfaction export (issue 14): one row per surveyed call, newest first, as the Satisfaction page
 * filters them — the call's reference (its id, which opens its timeline in the portal), when it ended
 * (the tenant's zone, said in the header), its function, its operator, the score keyed (1–5), whether the
 * problem was solved (yes, no, or empty when not asked or not answered), and whether the caller hung up
 * before answering. Nothing the caller said or typed: the keypad digits are the whole survey, and no
 * field of the tenant's rules is in it. Rendered by the record exports' code (formula guard, languages).
 */
export async function satisfactionExport(tx: TenantTx, filter: SatisfactionFilter, language: Language): Promise<ExportTable> {
  const rows = await surveysOf(tx, filter)
    .leftJoin('users as u', 'u.id', 's.operatorId')
    .select(['s.callId', 's.callEndedAt', 's.function', 'u.displayName as operatorName', 's.score', 's.solved', 's.outcome'])
    .orderBy('s.callEndedAt', 'desc')
    .orderBy('s.callId', 'desc')
    .limit(EXPORT_ROW_LIMIT)
    .execute();
  const columns: ExportColumn[] = [
    { header: 'callReference', kind: 'text' },
    { header: 'endedAt', kind: 'time' },
    { header: 'function', kind: 'text' },
    { header: 'operator', kind: 'text' },
    { header: 'score', kind: 'integer' },
    { header: 'solved', kind: 'text' },
    { header: 'notAnswered', kind: 'text' },
  ];
  const yesNo = (value: boolean | null) => (value === null ? null : valueWord(language, value ? 'yes' : 'no'));
  return {
    sheet: 'satisfaction',
    columns,
    rows: rows.map((r) => [r.callId, new Date(r.callEndedAt), valueWord(language, r.function), r.operatorName, r.score, yesNo(r.solved), yesNo(r.outcome === 'not_answered')]),
  };
}

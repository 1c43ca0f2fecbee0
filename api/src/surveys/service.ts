import { sql, type RawBuilder } from 'kysely';
import { Temporal } from '@js-temporal/polyfill';
import type { Tenant, TenantTx } from '@switchboard/db';
import { MAX_WORD_LENGTH, WORD_SPLIT } from '@switchboard/db/survey-words';
import { languageOf, type Language } from '@switchboard/db/languages';
import { notFound } from '../http/problem.ts';
import type { Rules } from '../rules/definition.ts';
import { ScriptBodySchema, surveyTargetPattern, type AnswerType, type AskStep } from '../scripts/model.ts';
import { boundary } from '../records/common.ts';
import { EXPORT_ROW_LIMIT, type ExportColumn, type ExportTable } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';
import { answerClassification, ruleFieldOf } from '../answers/service.ts';
import { stopWords } from './stop-words.ts';

/**
 * Questionnaire results (issue 14): per script and version, how many calls kept answers and how many
 * completed the questionnaire, and per question what was answered — counts per choice, a scale's
 * histogram and mean, NPS for a 0–10 question, the most frequent words of a free text. The results read
 * the counts the database keeps as answers are written (migration 0028: per local day, function and
 * operator), summed over the days of the filter: a questionnaire with 100,000 completions answers in
 * milliseconds. A period given as instants that are not local midnights cannot be answered from whole
 * days: it is counted from the answers themselves, the same way. Only the answers on the path the
 * script's walk took count (`call_answers.on_path`), in the results, the drill-down and the export alike.
 * A question whose answers go into a field the rules call sensitive shows how many answered and nothing of what.
 */

export interface SurveyFilter {
  version: number;
  from?: string | undefined;
  to?: string | undefined;
  function?: string | undefined;
  operator?: string | undefined;
}

/** How many words a free-text question's list shows. */
export const WORD_LIST_LENGTH = 30;
const distributed: readonly AnswerType[] = ['choice', 'multi_choice', 'yes_no', 'scale_1_5', 'scale_0_10'];

export interface Question {
  stepId: string;
  label: string;
  type: AnswerType;
  choices: { value: string; label: string }[];
  targets: string[];
}

/**
 * The questions of a script version: its ask steps whose answers go into a survey answer (`survey.…`), in
 * the script's order, with the fields each goes into. A name, an address or an order line asked in the same
 * script is the customer's, the lead's or the order's, not a survey result.
 */
export async function questionsOf(tx: TenantTx, scriptId: string, version: number): Promise<Question[] | null> {
  const row = await tx.selectFrom('scriptVersions').select('body').where('scriptId', '=', scriptId).where('version', '=', version).executeTakeFirst();
  if (!row) return null;
  const parsed = ScriptBodySchema.safeParse(row.body);
  if (!parsed.success) return [];
  const steps = parsed.data.steps;
  const targets = new Map<string, string[]>();
  for (const step of steps) if (step.type === 'capture') for (const c of step.captures) if (c.from) targets.set(c.from, [...(targets.get(c.from) ?? []), c.target]);
  return steps
    .filter((s): s is AskStep => s.type === 'ask' && (targets.get(s.id) ?? []).some((t) => surveyTargetPattern.test(t)))
    .map((s) => ({ stepId: s.id, label: (s.label || s.text || s.id).slice(0, 200), type: s.answer.type, choices: s.answer.choices.map((c) => ({ value: c.value, label: c.label })), targets: targets.get(s.id) ?? [] }));
}

/** The questionnaires: each script that kept answers, per version, with its calls and completions (from the counts). */
export async function listQuestionnaires(tx: TenantTx) {
  const rows = await tx
    .selectFrom('surveyTallies as t')
    .innerJoin('scripts as sc', 'sc.id', 't.scriptId')
    .select((eb) => ['t.scriptId', 'sc.function', 't.scriptVersion', eb.fn.sum<string>('t.calls').as('calls'), eb.fn.sum<string>('t.completions').as('completions')])
    // The last answer: one step down the answer sets' index per questionnaire.
    .select((eb) =>
      eb
        .selectFrom('callAnswerSets as s')
        .select((e) => e.fn.max('s.answeredAt').as('at'))
        .whereRef('s.scriptId', '=', 't.scriptId')
        .whereRef('s.scriptVersion', '=', 't.scriptVersion')
        .as('lastAt'),
    )
    .where('t.isSurvey', '=', true)
    .groupBy(['t.scriptId', 'sc.function', 't.scriptVersion'])
    .orderBy('sc.function')
    .orderBy('t.scriptVersion', 'desc')
    .execute();
  return rows.map((r) => ({ scriptId: r.scriptId, function: r.function, version: r.scriptVersion, calls: Number(r.calls), completions: Number(r.completions), lastAt: r.lastAt ? new Date(r.lastAt).toISOString() : null }));
}

/** The answer sets of one questionnaire version, narrowed by the filter (tenant's zone for bare dates). */
function setsQuery(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, scriptId: string, filter: SurveyFilter) {
  let q = tx.selectFrom('callAnswerSets as s').where('s.scriptId', '=', scriptId).where('s.scriptVersion', '=', filter.version);
  const from = boundary(filter.from, tenant.timeZone, false);
  const to = boundary(filter.to, tenant.timeZone, true);
  if (from) q = q.where('s.answeredAt', '>=', from);
  if (to) q = q.where('s.answeredAt', '<', to);
  if (filter.function) q = q.where('s.function', '=', filter.function);
  // Who gave the answers (stored with them), as the counts have it.
  if (filter.operator) q = q.where('s.operatorId', '=', filter.operator);
  return q;
}

/**
 * The filter's period as local days of the tenant (first day, last day, both included), or null when a
 * bound is an instant that is not a local midnight: whole days cannot answer it.
 */
export function periodDays(filter: Pick<SurveyFilter, 'from' | 'to'>, timeZone: string): { first?: string; last?: string } | null {
  const day = (value: string | undefined, end: boolean): string | undefined | null => {
    if (!value) return undefined;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    const local = Temporal.Instant.fromEpochMilliseconds(new Date(value).getTime()).toZonedDateTimeISO(timeZone);
    if (!local.equals(local.startOfDay())) return null;
    // `to` is exclusive: up to a midnight is up to the day before it.
    return (end ? local.toPlainDate().subtract({ days: 1 }) : local.toPlainDate()).toString();
  };
  const first = day(filter.from, false);
  const last = day(filter.to, true);
  if (first === null || last === null) return null;
  return { ...(first ? { first } : {}), ...(last ? { last } : {}) };
}

/** The tenant's language of its scripts (its locale), whose stop words leave the word lists. */
export const tenantLanguage = (tenant: Pick<Tenant, 'locale'>): Language => languageOf(tenant.locale) ?? 'en';

const isSensitive = (q: Question, rules: Rules) => answerClassification(q.targets, rules) === 'sensitive';

export type QuestionResult = {
  stepId: string;
  label: string;
  type: AnswerType;
  answered: number;
  /** The answers go into a field the rules call sensitive: how many answered, nothing of what. */
  masked: boolean;
  /** choice, multiple choice, yes/no: one row per option (in the script's order), with its count. Scales: one per point. */
  counts: { value: string; label: string; count: number }[];
  mean: number | null;
  nps: { promoters: number; passives: number; detractors: number; score: number } | null;
  words: { word: string; count: number }[];
};

/** What the results are made of, whichever way it was counted: totals, per question, per value, the top words. */
interface Counted {
  calls: number;
  completions: number;
  answered: { stepId: string; n: number; numbers: number; sum: number }[];
  values: { stepId: string; value: string; n: number }[];
  words: { stepId: string; word: string; n: number }[];
}

interface CountRequest {
  scriptId: string;
  filter: SurveyFilter;
  distributedSteps: string[];
  textSteps: string[];
  stop: readonly string[];
}

/** From the kept counts (migration 0028), summed over the grains the filter keeps. */
async function fromCounts(tx: TenantTx, request: CountRequest, days: { first?: string; last?: string }): Promise<Counted> {
  const { scriptId, filter } = request;
  const parts: RawBuilder<unknown>[] = [sql`script_id = ${scriptId}`, sql`script_version = ${filter.version}`];
  if (days.first) parts.push(sql`day >= ${days.first}::date`);
  if (days.last) parts.push(sql`day <= ${days.last}::date`);
  if (filter.function) parts.push(sql`function = ${filter.function}`);
  if (filter.operator) parts.push(sql`operator_id = ${filter.operator}::uuid`);
  const grain = sql<boolean>`${sql.join(parts, sql` and `)}`;
  const totals = await tx
    .selectFrom('surveyTallies')
    .select([sql<string>`coalesce(sum(calls), 0)`.as('calls'), sql<string>`coalesce(sum(completions), 0)`.as('completions')])
    .where(grain)
    .executeTakeFirstOrThrow();
  const answered = await tx
    .selectFrom('surveyQuestionCounts')
    .select(['stepId', sql<string>`sum(answered)`.as('n'), sql<string>`sum(numbers)`.as('numbers'), sql<string>`sum(number_sum)`.as('sum')])
    .where(grain)
    .groupBy('stepId')
    .execute();
  const values = request.distributedSteps.length
    ? await tx.selectFrom('surveyValueCounts').select(['stepId', 'value', sql<string>`sum(count)`.as('n')]).where(grain).where('stepId', 'in', request.distributedSteps).groupBy(['stepId', 'value']).execute()
    : [];
  const words = request.textSteps.length
    ? await tx
        .selectFrom(
          tx
            .selectFrom('surveyWordCounts')
            .select(['stepId', 'word', sql<string>`sum(count)`.as('n'), sql<string>`row_number() over (partition by step_id order by sum(count) desc, word)`.as('rank')])
            .where(grain)
            .where('stepId', 'in', request.textSteps)
            .where(sql<boolean>`word <> all(${sql.val(request.stop)}::text[])`)
            .groupBy(['stepId', 'word'])
            .as('x'),
        )
        .select(['x.stepId', 'x.word', 'x.n'])
        .where(sql<boolean>`x.rank <= ${WORD_LIST_LENGTH}`)
        .orderBy('x.stepId')
        .orderBy(sql`x.rank`)
        .execute()
    : [];
  return countedFrom(totals, answered, values, words);
}

/** A count or a sum as a driver gives it (text for sums, bigint or number for counts). */
type Num = string | number | bigint;

/** Either way of counting, as numbers. */
function countedFrom(
  totals: { calls: Num; completions: Num },
  answered: { stepId: string; n: Num; numbers: Num; sum: Num }[],
  values: { stepId: string; value: string; n: Num }[],
  words: { stepId: string; word: string; n: Num }[],
): Counted {
  return {
    calls: Number(totals.calls),
    completions: Number(totals.completions),
    answered: answered.map((r) => ({ stepId: r.stepId, n: Number(r.n), numbers: Number(r.numbers), sum: Number(r.sum) })),
    values: values.map((r) => ({ stepId: r.stepId, value: r.value, n: Number(r.n) })),
    words: words.map((r) => ({ stepId: r.stepId, word: r.word, n: Number(r.n) })),
  };
}

/** From the answers themselves, by the rules the counts are kept by: for a period that is not whole local days. */
async function fromAnswers(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, request: CountRequest): Promise<Counted> {
  const { scriptId, filter } = request;
  const sets = () => setsQuery(tx, tenant, scriptId, filter);
  const totals = await sets()
    .select([sql<string>`count(*)`.as('calls'), sql<string>`count(*) filter (where ${sql.ref('s.completed')})`.as('completions')])
    .executeTakeFirstOrThrow();
  const counted = () => sets().innerJoin('callAnswers as a', 'a.callId', 's.callId').where('s.completed', '=', true).where('a.onPath', '=', true);
  const isNumber = sql<boolean>`${sql.ref('a.answerType')} = 'number' and jsonb_typeof(${sql.ref('a.value')}) = 'number'`;
  const answered = await counted()
    .select([
      'a.stepId',
      sql<string>`count(*) filter (where jsonb_typeof(${sql.ref('a.value')}) <> 'null')`.as('n'),
      sql<string>`count(*) filter (where ${isNumber})`.as('numbers'),
      sql<string>`coalesce(sum((${sql.ref('a.value')} #>> '{}')::numeric) filter (where ${isNumber}), 0)`.as('sum'),
    ])
    .groupBy('a.stepId')
    .execute();
  const values = request.distributedSteps.length
    ? await counted()
        .innerJoinLateral(
          sql<{ value: unknown }>`jsonb_array_elements(case when jsonb_typeof(${sql.ref('a.value')}) = 'array' then ${sql.ref('a.value')} else jsonb_build_array(${sql.ref('a.value')}) end)`.as('v'),
          (j) => j.onTrue(),
        )
        .select((eb) => ['a.stepId', sql<string>`v.value #>> '{}'`.as('value'), eb.fn.countAll<string>().as('n')])
        .where('a.stepId', 'in', request.distributedSteps)
        .where(sql<boolean>`jsonb_typeof(v.value) <> 'null'`)
        .groupBy(['a.stepId', sql`v.value #>> '{}'`])
        .execute()
    : [];
  const words = request.textSteps.length
    ? await tx
        .selectFrom(
          counted()
            .innerJoinLateral(sql<{ w: string }>`regexp_split_to_table(lower(${sql.ref('a.value')} #>> '{}'), ${WORD_SPLIT})`.as('w'), (j) => j.onTrue())
            .select((eb) => ['a.stepId', sql<string>`w`.as('word'), eb.fn.countAll<string>().as('n'), sql<string>`row_number() over (partition by ${sql.ref('a.stepId')} order by count(*) desc, w)`.as('rank')])
            .where('a.stepId', 'in', request.textSteps)
            .where('a.answerType', '=', 'text')
            .where(sql<boolean>`jsonb_typeof(${sql.ref('a.value')}) = 'string'`)
            .where(sql<boolean>`char_length(w) between 2 and ${MAX_WORD_LENGTH}`)
            .where(sql<boolean>`w <> all(${sql.val(request.stop)}::text[])`)
            .groupBy(['a.stepId', sql`w`])
            .as('x'),
        )
        .select(['x.stepId', 'x.word', 'x.n'])
        .where(sql<boolean>`x.rank <= ${WORD_LIST_LENGTH}`)
        .orderBy('x.stepId')
        .orderBy(sql`x.rank`)
        .execute()
    : [];
  return countedFrom(totals, answered, values, words);
}

export async function surveyResults(tx: TenantTx, tenant: Pick<Tenant, 'timeZone' | 'locale'>, rules: Rules, scriptId: string, filter: SurveyFilter) {
  const questions = await questionsOf(tx, scriptId, filter.version);
  if (!questions) throw notFound('No such questionnaire version.');
  const shown = questions.filter((q) => !isSensitive(q, rules));
  const request: CountRequest = {
    scriptId,
    filter,
    distributedSteps: shown.filter((q) => distributed.includes(q.type)).map((q) => q.stepId),
    textSteps: shown.filter((q) => q.type === 'text').map((q) => q.stepId),
    stop: stopWords[tenantLanguage(tenant)],
  };
  const days = periodDays(filter, tenant.timeZone);
  const counted = days ? await fromCounts(tx, request, days) : await fromAnswers(tx, tenant, request);

  const results: QuestionResult[] = questions.map((q) => {
    const row = counted.answered.find((r) => r.stepId === q.stepId);
    const result: QuestionResult = { stepId: q.stepId, label: q.label, type: q.type, answered: row?.n ?? 0, masked: isSensitive(q, rules), counts: [], mean: null, nps: null, words: [] };
    if (result.masked) return result;
    const count = (value: string) => counted.values.find((r) => r.stepId === q.stepId && r.value === value)?.n ?? 0;
    if (q.type === 'choice' || q.type === 'multi_choice') result.counts = q.choices.map((c) => ({ value: c.value, label: c.label, count: count(c.value) }));
    if (q.type === 'yes_no') result.counts = ['true', 'false'].map((v) => ({ value: v, label: v === 'true' ? 'yes' : 'no', count: count(v) }));
    if (q.type === 'scale_1_5' || q.type === 'scale_0_10') {
      const [min, max] = q.type === 'scale_1_5' ? [1, 5] : [0, 10];
      for (let p = min; p <= max; p++) result.counts.push({ value: String(p), label: String(p), count: count(String(p)) });
      const total = result.counts.reduce((s, c) => s + c.count, 0);
      result.mean = total ? Math.round((result.counts.reduce((s, c) => s + Number(c.value) * c.count, 0) / total) * 100) / 100 : null;
      if (q.type === 'scale_0_10' && total) {
        const promoters = count('9') + count('10');
        const passives = count('7') + count('8');
        const detractors = total - promoters - passives;
        result.nps = { promoters, passives, detractors, score: Math.round(((promoters - detractors) / total) * 1000) / 10 };
      }
    }
    if (q.type === 'number' && row?.numbers) result.mean = Math.round((row.sum / row.numbers) * 100) / 100;
    if (q.type === 'text') result.words = counted.words.filter((r) => r.stepId === q.stepId).map((r) => ({ word: r.word, count: r.n }));
    return result;
  });
  // Who gave this version's answers, for the operator filter (the whole version, whatever the filter).
  const operators = await tx
    .selectFrom('surveyTallies as t')
    .innerJoin('users as u', 'u.id', 't.operatorId')
    .select(['u.id', 'u.displayName as name'])
    .where('t.scriptId', '=', scriptId)
    .where('t.scriptVersion', '=', filter.version)
    .groupBy(['u.id', 'u.displayName'])
    .orderBy('u.displayName')
    .execute();
  return { scriptId, version: filter.version, calls: counted.calls, completions: counted.completions, operators, questions: results };
}

/** The answer a drill-down looks for, as the stored JSON it matches: an option, a scale point, yes/no, or a word of a free text. */
function matchValue(q: Question, value: string): RawBuilder<boolean> | null {
  const v = sql.ref('a.value');
  switch (q.type) {
    case 'choice':
      return q.choices.some((c) => c.value === value) ? sql<boolean>`${v} = to_jsonb(${value}::text)` : null;
    case 'multi_choice':
      return q.choices.some((c) => c.value === value) ? sql<boolean>`${v} @> jsonb_build_array(${value}::text)` : null;
    case 'yes_no':
      return value === 'true' || value === 'false' ? sql<boolean>`${v} = to_jsonb(${value === 'true'}::boolean)` : null;
    case 'scale_1_5':
    case 'scale_0_10':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value) ? sql<boolean>`${v} = to_jsonb(${Number(value)}::numeric)` : null;
    case 'text': {
      const word = value.toLowerCase();
      return /^[^\s%_\\]{2,60}$/u.test(word) ? sql<boolean>`${word} = any(regexp_split_to_array(lower(${v} #>> '{}'), ${WORD_SPLIT}))` : null;
    }
    default:
      return null;
  }
}

/** The calls behind one answer of one question (newest first, a page at a time): each opens on its timeline. Off-path answers are no answer, as in the counts. */
export async function surveyAnswerCalls(
  tx: TenantTx,
  tenant: Pick<Tenant, 'timeZone'>,
  rules: Rules,
  scriptId: string,
  filter: SurveyFilter & { step: string; value: string; before?: { at: Date; id: string } | null; limit: number },
) {
  const questions = await questionsOf(tx, scriptId, filter.version);
  const q = questions?.find((x) => x.stepId === filter.step);
  if (!q) throw notFound('No such question in this questionnaire version.');
  const match = isSensitive(q, rules) ? null : matchValue(q, filter.value);
  if (!match) return [];
  let query = setsQuery(tx, tenant, scriptId, filter)
    .innerJoin('callAnswers as a', 'a.callId', 's.callId')
    .leftJoin('users as u', 'u.id', 's.operatorId')
    .select(['s.callId', 's.answeredAt', 's.function', 'u.displayName as operatorName'])
    .where('s.completed', '=', true)
    .where('a.onPath', '=', true)
    .where('a.stepId', '=', q.stepId)
    .where(match);
  const before = filter.before;
  if (before) query = query.where((eb) => eb.or([eb('s.answeredAt', '<', before.at), eb.and([eb('s.answeredAt', '=', before.at), eb('s.callId', '<', before.id)])]));
  return query.orderBy('s.answeredAt', 'desc').orderBy('s.callId', 'desc').limit(filter.limit + 1).execute();
}

/**
 * The export: one row per completed questionnaire (newest first), when, function, operator, then one
 * column per question headed by its label. A question whose answer goes into a field the rules name
 * (a customer's phone…) leaves only when that field is in the tenant's export list and not sensitive;
 * the questionnaire's own questions (survey.*) always. Options leave as their labels. An answer to a
 * question the call's walk did not pass through leaves as an empty cell, as the results do not count it.
 */
export async function surveyExport(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, rules: Rules, scriptId: string, filter: SurveyFilter, language: Language): Promise<ExportTable> {
  const questions = await questionsOf(tx, scriptId, filter.version);
  if (!questions) throw notFound('No such questionnaire version.');
  const leaving = questions.filter((q) => {
    if (isSensitive(q, rules)) return false;
    return q.targets.every((t) => {
      const field = ruleFieldOf(t);
      return !field || rules.exportFields.includes(field as never);
    });
  });
  const rows = await setsQuery(tx, tenant, scriptId, filter)
    .leftJoin('users as u', 'u.id', 's.operatorId')
    .select(['s.callId', 's.answeredAt', 's.function', 'u.displayName as operatorName'])
    .select((eb) =>
      eb
        .selectFrom('callAnswers as a')
        .select(sql<Record<string, unknown> | null>`jsonb_object_agg(${sql.ref('a.stepId')}, ${sql.ref('a.value')})`.as('answers'))
        .whereRef('a.callId', '=', 's.callId')
        .where('a.onPath', '=', true)
        .as('answers'),
    )
    .where('s.completed', '=', true)
    .orderBy('s.answeredAt', 'desc')
    .orderBy('s.callId', 'desc')
    .limit(EXPORT_ROW_LIMIT)
    .execute();
  const columns: ExportColumn[] = [
    { header: 'answeredAt', kind: 'time' },
    { header: 'function', kind: 'text' },
    { header: 'operator', kind: 'text' },
    ...leaving.map((q): ExportColumn => ({ header: 'notes', label: q.label, kind: q.type === 'phone' ? 'phone' : 'text' })),
  ];
  const cell = (q: Question, v: unknown) => {
    if (v === null || v === undefined) return null;
    const label = (code: unknown) => q.choices.find((c) => c.value === code)?.label ?? String(code);
    if (q.type === 'choice') return label(v);
    if (Array.isArray(v)) return v.map(label).join(', ');
    if (typeof v === 'boolean') return valueWord(language, v ? 'yes' : 'no');
    if (typeof v === 'number') return v;
    return String(v);
  };
  return {
    sheet: 'surveys',
    columns,
    rows: rows.map((r) => [new Date(r.answeredAt), valueWord(language, r.function), r.operatorName, ...leaving.map((q) => cell(q, (r.answers ?? {})[q.stepId]))]),
  };
}


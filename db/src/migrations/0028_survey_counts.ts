import { sql, type Kysely } from 'kysely';
import { MAX_WORD_LENGTH, WORD_SPLIT } from '../survey-words.ts';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 14, survey results at scale: a questionnaire with 100,000 completions must answer in under a
 * second, and unpacking every answer (and cutting every free text into words) on each request took ~5 s.
 * The results now read counts kept as answers are written, per **grain** — tenant, script and version,
 * the answer's local day in the tenant's time zone, the call's function and the operator who took the
 * answers — the finest the results page filters by:
 *
 * - `survey_tallies`: per grain, the answer sets (calls) and the completed ones (completions);
 * - `survey_question_counts`: per grain and question, how many answered (a non-null answer), and for a
 *   number question how many numbers and their sum (its mean);
 * - `survey_value_counts`: per grain, question and value, how many picked it (an option, a scale point,
 *   yes/no as `true`/`false`; each option of a multiple choice);
 * - `survey_word_counts`: per grain, question and word, how many times a free text said it (lower case,
 *   cut by `WORD_SPLIT`, 2 to `MAX_WORD_LENGTH` characters; stop words stay in and leave on reading, in the
 *   tenant's language of the day).
 *
 * Only the answers of completed questionnaires on the path the script's walk took (`call_answers.on_path`,
 * new here: an answer to a question of a branch the walk left is kept with the call but is no answer to
 * the questionnaire) count per question; every answer set counts as a call.
 *
 * **Kept by triggers**, in the transaction that writes the answers, whoever writes them: the wrap-up
 * (its answers are written once per call — `call_answer_sets` is keyed on the call and inserted `on
 * conflict do nothing`, and its answers only when the set was inserted — so a retry adds nothing), the
 * privacy erasure and the retention job (which delete answers: the counts go down by what they held). The
 * triggers are statement-level over transition tables: one aggregate per statement, not one per row.
 * A changed answer set (a transferred call's second wrap-up completes it) moves its own grains: what it
 * counted is taken away, what it counts now added. A deleted set, or a change of the tenant's time zone
 * (its local days move), recomputes the questionnaires concerned. Rows are written in key order, so two transactions counting
 * into one grain (the same operator's day) wait for each other rather than deadlock.
 *
 * **Recompute**: `app.recompute_survey_counts(tenant, script default null, version default null)` rebuilds
 * the counts of a tenant, a questionnaire or one version from the answers. Like every function here it
 * runs as the caller, under row-level security: it sees only the tenant of the transaction. This migration
 * runs it for every tenant for the answers already stored (taken as on the path: the desk only ever sent
 * the answers its walk passed through); api/src/surveys/recompute.ts also re-judges the path (docs:
 * README, Surveys).
 *
 * `call_answer_sets.operator_id` (new): the operator who gave the answers, copied from the call when
 * they are stored, so the operator filter means who asked the questions even if the call moves on.
 */

const NO_OPERATOR = `'00000000-0000-0000-0000-000000000000'::uuid`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const distributedTypes = `('choice', 'multi_choice', 'yes_no', 'scale_1_5', 'scale_0_10')`;

const grainColumns = 'tenant_id, script_id, script_version, day, function, operator_id';
/** The grain of an answer set `s` (tenant `t` for its zone). */
const grainOf = `s.tenant_id, s.script_id, s.script_version, (s.answered_at at time zone t.time_zone)::date, s.function, coalesce(s.operator_id, ${NO_OPERATOR})`;
const grainGroup = `s.tenant_id, s.script_id, s.script_version, (s.answered_at at time zone t.time_zone)::date, s.function, coalesce(s.operator_id, ${NO_OPERATOR})`;

/** Adds (sign 1) or takes away (sign -1) what the answer sets of `sets` count. */
function tallyDelta(sets: string, sign: 1 | -1, where = 'true'): string {
  return `insert into survey_tallies as c (${grainColumns}, is_survey, calls, completions)
    select ${grainOf}, bool_or(s.is_survey), ${sign} * count(*), ${sign} * count(*) filter (where s.completed)
      from ${sets} s join tenants t on t.id = s.tenant_id
     where ${where}
     group by ${grainGroup}
     order by 1, 2, 3, 4, 5, 6
    on conflict (${grainColumns}) do update set calls = c.calls + excluded.calls, completions = c.completions + excluded.completions, is_survey = c.is_survey or excluded.is_survey`;
}

/** Adds or takes away what the answers of `answers` count (joined to their sets, which must still exist). */
function answerDeltas(answers: string, sign: 1 | -1, where = 'true', sets = 'call_answer_sets'): string[] {
  const from = `from ${answers} a join ${sets} s on s.tenant_id = a.tenant_id and s.call_id = a.call_id join tenants t on t.id = s.tenant_id`;
  // Only answers that go into a survey answer are the questionnaire's: a name or an address asked in the
  // same script (a customer, lead or order field) is not a survey result, and no count keeps its words.
  const counted = `s.completed and a.on_path and exists (select 1 from unnest(a.targets) tg where starts_with(tg, 'survey.')) and (${where})`;
  const isNumber = `a.answer_type = 'number' and jsonb_typeof(a.value) = 'number'`;
  return [
    `insert into survey_question_counts as c (${grainColumns}, step_id, answered, numbers, number_sum)
      select ${grainOf}, a.step_id, ${sign} * count(*) filter (where jsonb_typeof(a.value) <> 'null'),
             ${sign} * count(*) filter (where ${isNumber}), ${sign} * coalesce(sum((a.value #>> '{}')::numeric) filter (where ${isNumber}), 0)
        ${from}
       where ${counted}
       group by ${grainGroup}, a.step_id
      having count(*) filter (where jsonb_typeof(a.value) <> 'null') > 0 or count(*) filter (where ${isNumber}) > 0
       order by 1, 2, 3, 4, 5, 6, 7
      on conflict (${grainColumns}, step_id) do update
        set answered = c.answered + excluded.answered, numbers = c.numbers + excluded.numbers, number_sum = c.number_sum + excluded.number_sum`,
    `insert into survey_value_counts as c (${grainColumns}, step_id, value, count)
      select ${grainOf}, a.step_id, v.value #>> '{}', ${sign} * count(*)
        ${from}
        cross join lateral jsonb_array_elements(case when jsonb_typeof(a.value) = 'array' then a.value else jsonb_build_array(a.value) end) v
       where ${counted} and a.answer_type in ${distributedTypes} and jsonb_typeof(v.value) <> 'null'
       group by ${grainGroup}, a.step_id, v.value #>> '{}'
       order by 1, 2, 3, 4, 5, 6, 7, 8
      on conflict (${grainColumns}, step_id, value) do update set count = c.count + excluded.count`,
    `insert into survey_word_counts as c (${grainColumns}, step_id, word, count)
      select ${grainOf}, a.step_id, w, ${sign} * count(*)
        ${from}
        cross join lateral regexp_split_to_table(lower(a.value #>> '{}'), ${literal(WORD_SPLIT)}) w
       where ${counted} and a.answer_type = 'text' and jsonb_typeof(a.value) = 'string' and char_length(w) between 2 and ${MAX_WORD_LENGTH}
       group by ${grainGroup}, a.step_id, w
       order by 1, 2, 3, 4, 5, 6, 7, 8
      on conflict (${grainColumns}, step_id, word) do update set count = c.count + excluded.count`,
  ];
}

/**
 * After a decrement, the rows of the grains concerned that count nothing any more leave, so the tables
 * hold only what the answers say (and what a recompute writes: it never writes a zero).
 */
function emptiedFor(answers: string, setsGrains?: string): string[] {
  const grains = setsGrains ?? `(select distinct ${grainOf} from ${answers} a join call_answer_sets s on s.tenant_id = a.tenant_id and s.call_id = a.call_id join tenants t on t.id = s.tenant_id)`;
  const zero: Record<string, string> = {
    survey_question_counts: 'answered = 0 and numbers = 0',
    survey_value_counts: 'count = 0',
    survey_word_counts: 'count = 0',
    ...(setsGrains ? { survey_tallies: 'calls = 0 and completions = 0' } : {}),
  };
  return Object.entries(zero).map(([table, condition]) => `delete from ${table} c where ${condition} and (${grainColumns.split(', ').map((k) => `c.${k}`).join(', ')}) in ${grains}`);
}
const countTables = ['survey_tallies', 'survey_question_counts', 'survey_value_counts', 'survey_word_counts'];

const body = (statements: string[]) => statements.map((s) => `${s};`).join('\n');

export async function up(db: Kysely<any>): Promise<void> {
  const grainKey = `tenant_id uuid not null references tenants (id),
       script_id uuid not null,
       script_version integer not null,
       day date not null,
       function text not null,
       operator_id uuid not null`;
  const scopeOf = `tenant_id = p_tenant_id and (p_script_id is null or script_id = p_script_id) and (p_version is null or script_version = p_version)`;
  const setScope = `s.tenant_id = p_tenant_id and (p_script_id is null or s.script_id = p_script_id) and (p_version is null or s.script_version = p_version)`;
  await runStatements(db, [
    `alter table call_answers add column on_path boolean not null default true`,
    `alter table call_answer_sets add column operator_id uuid`,
    // Who gave the answers already stored: the call's operator.
    `update call_answer_sets s set operator_id = c.operator_id from calls c where c.tenant_id = s.tenant_id and c.id = s.call_id and s.operator_id is null`,
    `create table survey_tallies (
       ${grainKey},
       is_survey boolean not null,
       calls integer not null,
       completions integer not null,
       primary key (${grainColumns})
     )`,
    `create table survey_question_counts (
       ${grainKey},
       step_id text not null,
       answered integer not null,
       numbers integer not null,
       number_sum numeric not null,
       primary key (${grainColumns}, step_id)
     )`,
    `create table survey_value_counts (
       ${grainKey},
       step_id text not null,
       value text not null,
       count integer not null,
       primary key (${grainColumns}, step_id, value)
     )`,
    `create table survey_word_counts (
       ${grainKey},
       step_id text not null,
       word text not null check (char_length(word) between 2 and ${MAX_WORD_LENGTH}),
       count integer not null,
       primary key (${grainColumns}, step_id, word)
     )`,
    ...countTables.flatMap((table) => [
      ...tenantTableStatements(table, ['select', 'insert', 'update', 'delete']),
      // The retention job deletes answers: the triggers take away what they counted, as that role.
      `grant select, insert, update, delete on ${table} to switchboard_retention`,
    ]),

    `create function app.recompute_survey_counts(p_tenant_id uuid, p_script_id uuid default null, p_version integer default null) returns void
       language plpgsql as $$
     begin
       ${body(countTables.map((table) => `delete from ${table} where ${scopeOf}`))}
       ${body([tallyDelta('call_answer_sets', 1, setScope), ...answerDeltas('call_answers', 1, setScope)])}
     end $$`,

    `create function app.survey_counts_sets_inserted() returns trigger language plpgsql as $$
     begin
       ${body([tallyDelta('new_sets', 1)])}
       return null;
     end $$`,
    // A set deleted (nothing does today): its questionnaire versions are recomputed, after any cascade has
    // deleted their answers.
    `create function app.survey_counts_sets_deleted() returns trigger language plpgsql as $$
     declare
       q record;
     begin
       for q in select distinct tenant_id, script_id, script_version from old_sets loop
         perform app.recompute_survey_counts(q.tenant_id, q.script_id, q.script_version);
       end loop;
       return null;
     end $$`,
    // A set changed (a transferred call's second wrap-up completes it): what it counted before is taken
    // away and what it counts now added, for its own grains only — never a recount of the questionnaire
    // inside a desk request, and no row beyond those grains locked.
    `create function app.survey_counts_sets_updated() returns trigger language plpgsql as $$
     begin
       ${body([
         tallyDelta('old_sets', -1),
         tallyDelta('new_sets', 1),
         ...answerDeltas('call_answers', -1, 'a.call_id in (select call_id from old_sets)', 'old_sets'),
         ...answerDeltas('call_answers', 1, 'a.call_id in (select call_id from new_sets)', 'new_sets'),
         ...emptiedFor('', `(select distinct ${grainOf} from old_sets s join tenants t on t.id = s.tenant_id)`),
       ])}
       return null;
     end $$`,
    `create function app.survey_counts_answers_inserted() returns trigger language plpgsql as $$
     begin
       ${body(answerDeltas('new_answers', 1))}
       return null;
     end $$`,
    `create function app.survey_counts_answers_deleted() returns trigger language plpgsql as $$
     begin
       ${body([...answerDeltas('old_answers', -1), ...emptiedFor('old_answers')])}
       return null;
     end $$`,
    `create function app.survey_counts_answers_updated() returns trigger language plpgsql as $$
     begin
       ${body([...answerDeltas('old_answers', -1), ...answerDeltas('new_answers', 1), ...emptiedFor('old_answers')])}
       return null;
     end $$`,
    // The tenant's zone moved its local days: its counts are recomputed.
    `create function app.survey_counts_zone_changed() returns trigger language plpgsql as $$
     begin
       perform app.recompute_survey_counts(new.id);
       return null;
     end $$`,
    `create trigger survey_counts_inserted after insert on call_answer_sets referencing new table as new_sets
       for each statement execute function app.survey_counts_sets_inserted()`,
    `create trigger survey_counts_updated after update on call_answer_sets referencing old table as old_sets new table as new_sets
       for each statement execute function app.survey_counts_sets_updated()`,
    `create trigger survey_counts_deleted after delete on call_answer_sets referencing old table as old_sets
       for each statement execute function app.survey_counts_sets_deleted()`,
    `create trigger survey_counts_inserted after insert on call_answers referencing new table as new_answers
       for each statement execute function app.survey_counts_answers_inserted()`,
    `create trigger survey_counts_deleted after delete on call_answers referencing old table as old_answers
       for each statement execute function app.survey_counts_answers_deleted()`,
    `create trigger survey_counts_updated after update on call_answers referencing old table as old_answers new table as new_answers
       for each statement execute function app.survey_counts_answers_updated()`,
    `create trigger survey_counts_zone_changed after update of time_zone on tenants
       for each row when (old.time_zone is distinct from new.time_zone) execute function app.survey_counts_zone_changed()`,
  ]);

  // The answers already stored, tenant by tenant, under each tenant's context (as 0017: whether the
  // migrating role bypasses row-level security or not).
  const tenants = await sql<{ id: string }>`select id from tenants order by id`.execute(db);
  try {
    for (const { id } of tenants.rows) {
      await sql`select set_config('app.tenant_id', ${id}, false)`.execute(db);
      await sql`select app.recompute_survey_counts(${id}::uuid)`.execute(db);
    }
  } finally {
    await sql`select set_config('app.tenant_id', '', false)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop trigger survey_counts_zone_changed on tenants`,
    ...['call_answer_sets', 'call_answers'].flatMap((t) => ['inserted', 'updated', 'deleted'].map((e) => `drop trigger survey_counts_${e} on ${t}`)),
    `drop function app.survey_counts_zone_changed(), app.survey_counts_answers_updated(), app.survey_counts_answers_deleted(), app.survey_counts_answers_inserted(),
       app.survey_counts_sets_updated(), app.survey_counts_sets_deleted(), app.survey_counts_sets_inserted(), app.recompute_survey_counts(uuid, uuid, integer)`,
    ...countTables.reverse().map((t) => `drop table ${t}`),
    `alter table call_answer_sets drop column operator_id`,
    `alter table call_answers drop column on_path`,
  ]);
}

import { sql } from 'kysely';
import { connect, migrateToLatest, newId, withTenant, jsonb } from '@switchboard/db';
import { createTenant, loadRules } from '@switchboard/api';
import { surveyExport, surveyResults } from '../../api/src/surveys/service.ts';
import { stopWords } from '../../api/src/surveys/stop-words.ts';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:surveys [--completions 100000] [--runs 7]

The results of one questionnaire with N completed answer sets (six questions: 0–10, 1–5, a multiple
choice, yes/no, a free text, a number; taken by 20 operators over a year) in one tenant, on a new
database created on the PostgreSQL server of DATABASE_URL and dropped afterwards. The answers are written
by the server in batches, and the survey counts are kept from them by the same triggers as in production
(migration 0028); the seeding time includes them. Prints, each the median of --runs runs after one
warm-up: the results as the API computes them (the surveys service, in a tenant transaction: it reads the
counts), the same sums as raw SQL over the counts, and — for comparison — the aggregation over the answers
themselves as raw SQL (how results were computed before the counts); then the time of one export's query
and shaping (one row per completed questionnaire, at most the export row limit). Figures only: nothing is
asserted. SURVEY_BENCH_COMPLETIONS sets the default of --completions (a small run to check the script).`;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
if (process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const completions = arg('completions', Number(process.env.SURVEY_BENCH_COMPLETIONS ?? 100_000));
const runs = arg('runs', 7);
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error('bench:surveys measures PostgreSQL: set DATABASE_URL to a server it may create a database on.\n\n' + usage);
  process.exit(2);
}

const body = {
  steps: [
    { id: 'nps', type: 'ask', label: 'Recommend us?', text: 'Would you recommend us?', answer: { type: 'scale_0_10', required: true, choices: [], min: null, max: null }, next: 'sat' },
    { id: 'sat', type: 'ask', label: 'Satisfaction', text: 'How satisfied?', answer: { type: 'scale_1_5', required: true, choices: [], min: null, max: null }, next: 'likes' },
    {
      id: 'likes',
      type: 'ask',
      label: 'What you like',
      text: 'What do you like?',
      answer: { type: 'multi_choice', required: true, choices: ['taste', 'speed', 'price', 'staff'].map((v) => ({ value: v, label: v })), min: null, max: null },
      next: 'again',
    },
    { id: 'again', type: 'ask', label: 'Order again?', text: 'Again?', answer: { type: 'yes_no', required: true, choices: [], min: null, max: null }, next: 'comment' },
    { id: 'comment', type: 'ask', label: 'Comment', text: 'Anything to add?', answer: { type: 'text', required: false, choices: [], min: null, max: null }, next: 'spend' },
    { id: 'spend', type: 'ask', label: 'Spend', text: 'How much per month?', answer: { type: 'number', required: false, choices: [], min: null, max: null }, next: 'save' },
    {
      id: 'save',
      type: 'capture',
      label: undefined,
      captures: ['nps', 'sat', 'likes', 'again', 'comment', 'spend'].map((s) => ({ target: `survey.${s}`, from: s })),
      next: 'done',
    },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: null },
  ],
};

const name = `switchboard_bench_surveys_${Date.now().toString(36)}`;
const admin = await connect({ url: serverUrl, maxConnections: 1 });
await sql.raw(`create database ${name}`).execute(admin.db);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = await connect({ url: url.toString(), maxConnections: 2 });
try {
  const seedStart = performance.now();
  await migrateToLatest(database.db);
  const { tenant } = await createTenant(database.db, null, { slug: 'bench-surveys', name: 'Bench Surveys', legalName: 'Bench Surveys SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' }, new Date());
  const scriptId = newId();
  await withTenant(database.db, tenant.id, async (tx) => {
    await tx.insertInto('scripts').values({ tenantId: tenant.id, id: scriptId, function: 'surveys', draft: jsonb(body), draftUpdatedAt: new Date(), draftUpdatedBy: 'bench', createdAt: new Date() }).execute();
    await tx.insertInto('scriptVersions').values({ tenantId: tenant.id, scriptId, version: 1, body: jsonb(body), publishedAt: new Date(), publishedBy: null, publishedByLabel: 'bench' }).execute();
  });
  // Twenty operators, who took the calls in turn: the counts are kept per local day, function and operator.
  const operators = Array.from({ length: 20 }, () => newId());
  for (const [i, id] of operators.entries()) {
    await sql`insert into users (id, email, display_name, kind, password_hash) values (${id}::uuid, ${`bench-operator-${i}@switchboard.test`}, ${`Operator ${i + 1}`}, 'operator', 'bench-no-login')`.execute(database.db);
  }
  // The calls, their answer sets and answers, written by the server in batches (generate_series), spread over a year.
  const batch = 20_000;
  for (let start = 0; start < completions; start += batch) {
    const n = Math.min(batch, completions - start);
    await withTenant(database.db, tenant.id, async (tx) => {
      await sql`
        with c as (
          insert into calls (tenant_id, id, external_id, function, dialled_number, caller_number, status, operator_id, offered_at, answered_at, ended_at, script_id, script_version)
          select ${tenant.id}::uuid, gen_random_uuid(), 'bench-' || (${start}::int + g), 'surveys', '+33140000000', '+336' || lpad(((${start}::int + g) % 100000000)::text, 8, '0'), 'completed',
                 (string_to_array(${operators.join(',')}, ',')::uuid[])[1 + (${start}::int + g) % 20], t, t + interval '5 seconds', t + interval '3 minutes', ${scriptId}::uuid, 1
          from generate_series(1, ${n}::int) g, lateral (select timestamptz '2026-01-01' + ((${start}::int + g) * interval '5 minutes') as t) x
          returning id, answered_at, operator_id
        ), s as (
          insert into call_answer_sets (tenant_id, call_id, script_id, script_version, function, completed, is_survey, answered_at, operator_id)
          select ${tenant.id}::uuid, id, ${scriptId}::uuid, 1, 'surveys', true, true, answered_at, operator_id from c
          returning call_id
        ), r as (select call_id, random() as a, random() as b, random() as d, random() as e from s)
        insert into call_answers (tenant_id, call_id, step_id, answer_type, targets, value)
        select ${tenant.id}::uuid, call_id, q.step, q.type, array['survey.' || q.step], q.value from r, lateral (values
          ('nps', 'scale_0_10', to_jsonb(least(10, floor(a * 11))::int)),
          ('sat', 'scale_1_5', to_jsonb(1 + least(4, floor(b * 5))::int)),
          ('likes', 'multi_choice', case when d < 0.4 then '["taste"]'::jsonb when d < 0.7 then '["taste","speed"]'::jsonb when d < 0.9 then '["price"]'::jsonb else '["staff","speed"]'::jsonb end),
          ('again', 'yes_no', to_jsonb(e < 0.8)),
          ('comment', 'text', to_jsonb((array['Très bonne pizza, livraison rapide', 'La pizza était froide et le livreur en retard', 'Accueil sympathique, bonne pâte', 'Trop cher pour la taille', 'Parfait comme toujours'])[1 + floor(a * 5)::int])),
          ('spend', 'number', to_jsonb(round((b * 200)::numeric, 2)))
        ) as q(step, type, value)
      `.execute(tx);
    });
    process.stdout.write(`\r  seeded ${(start + n).toLocaleString('en')} of ${completions.toLocaleString('en')} questionnaires`);
  }
  await sql`analyze`.execute(database.db);
  console.log(`\n  seeding took ${((performance.now() - seedStart) / 1000).toFixed(1)} s (${url.pathname.slice(1)}, dropped afterwards)\n`);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = async (work: () => Promise<unknown>) => {
    await work();
    const took: number[] = [];
    for (let i = 0; i < runs; i++) {
      const began = performance.now();
      await work();
      took.push(performance.now() - began);
    }
    return median(took);
  };

  let shape = '';
  const service = await time(() =>
    withTenant(database.db, tenant.id, async (tx) => {
      const result = await surveyResults(tx, tenant, await loadRules(tx), scriptId, { version: 1 });
      shape = `${result.completions.toLocaleString('en')} completions, NPS ${result.questions[0]?.nps?.score}, top word "${result.questions[4]?.words[0]?.word}"`;
    }),
  );
  // The same sums as hand-written SQL over the counts: totals, per question, per value, the word list.
  const rawCounts = await time(() =>
    withTenant(database.db, tenant.id, async (tx) => {
      const grain = sql`script_id = ${scriptId} and script_version = 1`;
      await sql`select sum(calls), sum(completions) from survey_tallies where ${grain}`.execute(tx);
      await sql`select step_id, sum(answered), sum(numbers), sum(number_sum) from survey_question_counts where ${grain} group by step_id`.execute(tx);
      await sql`select step_id, value, sum(count) from survey_value_counts where ${grain} and step_id in ('nps', 'sat', 'likes', 'again') group by 1, 2`.execute(tx);
      await sql`select * from (
                  select step_id, word, sum(count) n, row_number() over (partition by step_id order by sum(count) desc, word) r
                  from survey_word_counts where ${grain} and step_id = 'comment' and word <> all(${sql.val(stopWords.fr)}::text[])
                  group by 1, 2) x where r <= 30`.execute(tx);
    }),
  );
  // How the results were computed before the counts (issue 14's first version): the aggregation over the answers.
  const rawAnswers = await time(() =>
    withTenant(database.db, tenant.id, async (tx) => {
      await sql`select count(*), count(*) filter (where completed) from call_answer_sets where script_id = ${scriptId} and script_version = 1`.execute(tx);
      await sql`select a.step_id, count(*), avg(case when a.answer_type = 'number' then (a.value #>> '{}')::numeric end)
                from call_answer_sets s join call_answers a on a.tenant_id = s.tenant_id and a.call_id = s.call_id
                where s.script_id = ${scriptId} and s.script_version = 1 and s.completed group by a.step_id`.execute(tx);
      await sql`select a.step_id, v #>> '{}', count(*)
                from call_answer_sets s join call_answers a on a.tenant_id = s.tenant_id and a.call_id = s.call_id,
                     jsonb_array_elements(case when jsonb_typeof(a.value) = 'array' then a.value else jsonb_build_array(a.value) end) v
                where s.script_id = ${scriptId} and s.script_version = 1 and s.completed and a.step_id in ('nps', 'sat', 'likes', 'again')
                group by 1, 2`.execute(tx);
      await sql`select * from (
                  select a.step_id, w, count(*) n, row_number() over (partition by a.step_id order by count(*) desc, w) r
                  from call_answer_sets s join call_answers a on a.tenant_id = s.tenant_id and a.call_id = s.call_id,
                       regexp_split_to_table(lower(a.value #>> '{}'), '[\s[:punct:][:digit:]’‘«»“”„–—…•·]+') w
                  where s.script_id = ${scriptId} and s.script_version = 1 and s.completed and a.step_id = 'comment'
                    and char_length(w) > 1 and w <> all(${sql.val(stopWords.fr)}::text[])
                  group by 1, 2) x where r <= 30`.execute(tx);
    }),
  );
  console.log(`Questionnaire results, ${shape}, PostgreSQL, median of ${runs}:`);
  console.log(`  service (as the API answers, from the counts)  ${service.toFixed(1)} ms`);
  console.log(`  raw SQL over the counts                        ${rawCounts.toFixed(1)} ms`);
  console.log(`  ratio service / raw SQL over the counts        ${(service / rawCounts).toFixed(2)}`);
  console.log(`  before the counts: raw SQL over the answers    ${rawAnswers.toFixed(1)} ms (${(rawAnswers / service).toFixed(0)}× the service)`);
  // The export stays per row (one per completed questionnaire, at most the export row limit): its query and shaping, once.
  const exportStart = performance.now();
  const table = await withTenant(database.db, tenant.id, async (tx) => surveyExport(tx, tenant, await loadRules(tx), scriptId, { version: 1 }, 'fr'));
  console.log(`  export query and shaping, ${table.rows.length.toLocaleString('en')} rows      ${(performance.now() - exportStart).toFixed(1)} ms (rendering: pnpm bench:exports)`);
} finally {
  await database.close();
  await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
  await admin.close();
}

import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 14: post-call satisfaction (CSAT). A tenant turns it on per function (`call_settings.satisfaction_survey`:
 * {function: {askSolved}}); at the end of a handled call the telephony adapter asks the caller by keypad (1–5,
 * and optionally "was your problem solved?" 1 yes / 2 no) and posts the digits back. One row per surveyed call,
 * written once (the first report wins): the score, the answer, or nothing when the caller hung up first
 * (`outcome`: answered, partial, not_answered). The call's function and operator are copied so the client's
 * figures group without joining the calls, and stay true if the call's record is later cleaned; the call's end
 * (`call_ended_at`) too, so a period counts the calls that ended in it, whenever the adapter reported.
 * What the caller is asked is fixed when the operator hangs up (`calls.survey_asked_solved`: null, not
 * surveyed; else whether "solved?" is asked): a report is judged against that, not against today's settings.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table call_settings add column satisfaction_survey jsonb not null default '{}' check (jsonb_typeof(satisfaction_survey) = 'object')`,
    `alter table calls add column survey_asked_solved boolean`,
    `create table call_satisfaction (
       tenant_id uuid not null references tenants (id),
       call_id uuid not null,
       function text not null check (length(function) <= 40),
       operator_id uuid,
       asked_solved boolean not null,
       score smallint check (score between 1 and 5),
       solved boolean,
       outcome text not null check (outcome in ('answered', 'partial', 'not_answered')),
       call_ended_at timestamptz not null,
       recorded_at timestamptz not null,
       primary key (tenant_id, call_id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       check (asked_solved or solved is null)
     )`,
    `create index call_satisfaction_ended_idx on call_satisfaction (tenant_id, call_ended_at)`,
    ...tenantTableStatements('call_satisfaction', ['select', 'insert']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table call_satisfaction`, `alter table calls drop column survey_asked_solved`, `alter table call_settings drop column satisfaction_survey`]);
}

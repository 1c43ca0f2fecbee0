import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 14, review of answers as records:
 * - A call's typed answers and the before/after of a customer record are written once and never changed
 *   (retention and erasure delete them): the app role loses the `update` it never used, so nothing can
 *   rewrite what a call captured (only `on_path`, which the survey counts' repair judges again).
 * - A transferred call is answered by two operators under one script version: the second wrap-up adds
 *   the questions the first did not answer, so the set may become complete later (`completed` only), and
 *   the customer record may change twice on one call (one before/after per wrap-up: the unique key on
 *   call and customer goes; the answer set is what makes a retried wrap-up write nothing twice).
 * - Drafts saved before answers were typed (0026) were stored as typed, unchecked: they are completed
 *   leniently (an answer that no longer fits is kept in the timeline, left out of the records). A draft
 *   saved from now on is checked when it is saved (`draft_answers_checked`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `revoke update on call_answers, customer_record_changes from switchboard_app`,
    // Whether an answer is on the walk's path is derived, not captured: the repair of the survey counts
    // (pnpm surveys:recompute) judges it again. The value itself stays as the call captured it.
    `grant update (on_path) on call_answers to switchboard_app`,
    `grant update (completed) on call_answer_sets to switchboard_app`,
    `alter table customer_record_changes drop constraint customer_record_changes_tenant_id_call_id_customer_id_key`,
    `create index customer_record_changes_call_idx on customer_record_changes (tenant_id, call_id)`,
    `alter table calls add column draft_answers_checked boolean not null default false`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table calls drop column draft_answers_checked`,
    `drop index customer_record_changes_call_idx`,
    `alter table customer_record_changes add unique (tenant_id, call_id, customer_id)`,
    `revoke update (completed) on call_answer_sets from switchboard_app`,
    `revoke update (on_path) on call_answers from switchboard_app`,
    `grant update on call_answers, customer_record_changes to switchboard_app`,
  ]);
}

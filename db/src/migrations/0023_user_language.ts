import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 12: a person's interface language is a setting of their account, independent of the tenant's
 * locale. Null means "follow the browser". The check lists the languages of db/src/languages.ts; adding
 * a language is a new migration that widens it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table users add column language text`,
    `alter table users add constraint users_language_check check (language in ('en', 'fr', 'de', 'ru'))`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`alter table users drop column language`]);
}

import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 17, the company's hold music: `tenant_audio.hold_music` marks the one upload (at most one per
 * company) its queued and held callers hear instead of Twilio's default. It used to be chosen by naming
 * an upload "Hold music"; that choice carries over (the newest such upload).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table tenant_audio add column hold_music boolean not null default false`,
    `create unique index tenant_audio_hold_music on tenant_audio (tenant_id) where hold_music`,
    // Only the choice changes: an upload's name and bytes stay as uploaded.
    `grant update (hold_music) on tenant_audio to switchboard_app`,
    `update tenant_audio set hold_music = true where id in (
       select distinct on (tenant_id) id from tenant_audio
       where lower(regexp_replace(name, '^\s+|\s+$', '', 'g')) in ('hold music', 'hold-music', 'hold_music', 'musique d’attente', 'musique d''attente', 'wartemusik')
       order by tenant_id, created_at desc)`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`revoke update (hold_music) on tenant_audio from switchboard_app`, `drop index tenant_audio_hold_music`, `alter table tenant_audio drop column hold_music`]);
}

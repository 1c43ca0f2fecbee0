import { sql, type Kysely } from 'kysely';
import { findCardNumbers, redactCardNumbers, redactCardNumbersDeep } from '../card-numbers.ts';

/**
 * Issue 11: card-number detection used to miss disguised numbers (dots, double spaces, tabs, line
 * breaks, full-width digits, letters glued on…), so free text stored before this release may hold a
 * whole card number. This pass redacts, with today's detector, every column that holds text a person
 * typed — and the JSON that copies it (a call's timeline, drafts, the audit trail, replayed responses) —
 * to the last four digits, tenant by tenant. It changes only what holds a card number, in batches, and
 * can run again harmlessly. There is no way back: `down` does nothing.
 *
 * It runs under each tenant's context as well as filtering by tenant, so it works whether the migrating
 * role bypasses row-level security or not.
 */

const textColumns: Record<string, string[]> = {
  customers: ['name', 'address', 'account_number', 'card_number'],
  orders: ['delivery_address', 'notes', 'payment_reference'],
  complaints: ['category', 'description', 'desired_resolution'],
  information_requests: ['topic', 'question', 'answer'],
  calls: ['notes', 'draft_notes'],
  call_queue: ['return_note'],
  directory_entries: ['name', 'description', 'reachable'],
  catalog_items: ['name', 'description', 'category'],
  knowledge_articles: ['title', 'body'],
  promotions: ['title', 'description', 'conditions'],
  tariffs: ['name', 'description'],
  hours_overrides: ['label'],
  hours_functions: ['announcement'],
  phone_numbers: ['label'],
  wrap_up_codes: ['label'],
  confidentiality_rules: ['greeting_text'],
};

const jsonColumns: Record<string, string[]> = {
  calls: ['draft_script_answers'],
  call_events: ['detail'],
  audit_log: ['before', 'after'],
  idempotency_keys: ['response_body'],
  scripts: ['draft'],
  script_versions: ['body'],
  catalog_items: ['options'],
  tariffs: ['price_lines'],
  knowledge_articles: ['tags'],
};

const BATCH = 500;

async function redactTable(db: Kysely<any>, tenantId: string, table: string, texts: string[], jsons: string[]): Promise<void> {
  const columns = [...texts, ...jsons];
  // Thirteen characters at least: nothing shorter can hold a card number.
  const candidates = sql.join(columns.map((c) => sql`length(${sql.ref(c)}::text) >= 13`), sql` or `);
  // Plain aliases (v0, v1…): the app's database applies CamelCasePlugin to result keys.
  const selected = sql.join(columns.map((c, i) => sql`${sql.ref(c)} as ${sql.raw(`v${i}`)}`));
  let after = '(0,0)';
  for (;;) {
    const { rows } = await sql<Record<string, unknown> & { rowid: string }>`
      select ctid::text as rowid, ${selected}
      from ${sql.table(table)}
      where tenant_id = ${tenantId} and ctid > ${after}::tid and (${candidates})
      order by ctid limit ${BATCH}`.execute(db);
    for (const row of rows) {
      const changes: [string, unknown][] = [];
      columns.forEach((column, i) => {
        const value = row[`v${i}`];
        if (value === null || value === undefined) return;
        if (i < texts.length) {
          if (typeof value === 'string' && findCardNumbers(value).length) changes.push([column, redactCardNumbers(value)]);
          return;
        }
        const parsed = typeof value === 'string' ? JSON.parse(value) : value;
        const redacted = redactCardNumbersDeep(parsed);
        if (JSON.stringify(redacted) !== JSON.stringify(parsed)) changes.push([column, sql`${JSON.stringify(redacted)}::jsonb`]);
      });
      if (changes.length) {
        const set = sql.join(changes.map(([c, v]) => sql`${sql.ref(c)} = ${v}`));
        await sql`update ${sql.table(table)} set ${set} where ctid = ${row.rowid}::tid and tenant_id = ${tenantId}`.execute(db);
      }
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.rowid;
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  const tenants = await sql<{ id: string }>`select id from tenants order by id`.execute(db);
  try {
    for (const { id } of tenants.rows) {
      await sql`select set_config('app.tenant_id', ${id}, false)`.execute(db);
      for (const table of new Set([...Object.keys(textColumns), ...Object.keys(jsonColumns)])) {
        await redactTable(db, id, table, textColumns[table] ?? [], jsonColumns[table] ?? []);
      }
      // The knowledge search's word list (kept by triggers) keeps every word it ever saw: a card number goes.
      const words = await sql<{ word: string }>`select word from catalog_search_words where tenant_id = ${id} and length(word) >= 13`.execute(db);
      const cards = words.rows.map((w) => w.word).filter((word) => findCardNumbers(word).length);
      if (cards.length) await sql`delete from catalog_search_words where tenant_id = ${id} and word in (${sql.join(cards)})`.execute(db);
    }
  } finally {
    await sql`select set_config('app.tenant_id', '', false)`.execute(db);
  }
}

export async function down(): Promise<void> {
  // Redaction cannot be undone (that is its point).
}

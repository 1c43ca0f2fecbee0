import { newId, type Tenant, type TenantTx } from '@switchboard/db';
import { z } from '@hono/zod-openapi';
import { writeAudit } from '../audit/write.ts';
import type { Actor } from '../http/env.ts';
import { conflict, invalid, notFound, fieldError } from '../http/problem.ts';
import { typedText } from '../http/validators.ts';
import { normalizePhone, PhoneInputSchema } from '../records/common.ts';

/**
 * The tenant's directory: the client's own lines (fraud desk, branches, back office) operators may
 * transfer a call to, beside its skills. Numbers are kept in E.164, read in the tenant's country when
 * typed without a country code; a name is unique in the tenant whatever its case, since scripts name
 * entries by it.
 */

const optionalNote = (max: number) =>
  typedText(max)
    .transform((text) => text || null)
    .nullable()
    .optional();

export const DirectoryEntryInputSchema = z
  .strictObject({
    name: typedText(120)
      .pipe(
        z
          .string()
          .min(1, 'Enter a name, e.g. Fraud desk.')
          // A name lands in CSV exports and spreadsheets: one that a spreadsheet would run is refused.
          .refine((v) => !/^[=+\-@]/.test(v), 'Start the name with a letter or a digit.'),
      )
      .openapi({ example: 'Fraud desk' }),
    phone: PhoneInputSchema.refine((v) => !/[\u0000-\u001f]/.test(v), 'Enter a valid phone number.'),
    description: optionalNote(500).openapi({ description: 'What operators should know before transferring there', example: 'Suspicious transactions and stolen cards only.' }),
    reachable: optionalNote(120).openapi({ description: 'When it is reachable, in words', example: 'Round the clock' }),
    active: z.boolean().optional().openapi({ description: 'Inactive entries stay in the directory but are not offered at the desk' }),
    sortOrder: z.number().int('Use a whole number.').min(0).max(100000).optional().openapi({ description: 'Lower first; then by name' }),
  })
  .openapi('DirectoryEntryInput', {
    example: { name: 'Fraud desk', phone: '+49 69 907012399', description: 'Suspicious transactions and stolen cards only.', reachable: 'Round the clock', active: true, sortOrder: 10 },
  });
export type DirectoryEntryInput = z.output<typeof DirectoryEntryInputSchema>;

export const DirectoryEntryPatchSchema = DirectoryEntryInputSchema.partial().openapi('DirectoryEntryPatch', { example: { reachable: 'Mon–Fri 08:00–18:00', active: false } });
export type DirectoryEntryPatch = z.output<typeof DirectoryEntryPatchSchema>;

export const DirectoryEntrySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().openapi({ description: 'E.164', example: '+4969907012399' }),
    description: z.string().nullable(),
    reachable: z.string().nullable(),
    active: z.boolean(),
    sortOrder: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('DirectoryEntry');
export type DirectoryEntry = z.infer<typeof DirectoryEntrySchema>;

const columns = ['id', 'name', 'phone', 'description', 'reachable', 'active', 'sortOrder', 'createdAt', 'updatedAt'] as const;

const selection = (tx: TenantTx) => tx.selectFrom('directoryEntries').select(columns).orderBy('sortOrder').orderBy('name').orderBy('id');
type Row = Awaited<ReturnType<ReturnType<typeof selection>['executeTakeFirstOrThrow']>>;
const toEntry = (row: Row): DirectoryEntry => ({ ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() });
/** What the audit trail keeps of an entry. */
const audited = ({ name, phone, description, reachable, active, sortOrder }: DirectoryEntry) => ({ name, phone, description, reachable, active, sortOrder });

export async function listDirectory(tx: TenantTx, { activeOnly = false } = {}): Promise<DirectoryEntry[]> {
  const query = activeOnly ? selection(tx).where('active', '=', true) : selection(tx);
  return (await query.execute()).map(toEntry);
}

export async function findDirectoryEntry(tx: TenantTx, id: string): Promise<DirectoryEntry | undefined> {
  const row = await selection(tx).where('id', '=', id).executeTakeFirst();
  return row && toEntry(row);
}

function phoneIn(tenant: Pick<Tenant, 'locale'>, input: string): string {
  const phone = normalizePhone(input, tenant.locale);
  if (!phone) throw invalid([fieldError('phone', 'phone', 'Enter a valid phone number, with its country code (+49…) if it is not a local one.')]);
  return phone;
}

async function refuseTakenName(tx: TenantTx, name: string, except?: string): Promise<void> {
  let query = tx.selectFrom('directoryEntries').select('id').where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
  if (except) query = query.where('id', '!=', except);
  if (await query.executeTakeFirst()) throw conflict('directory.name_taken', 'The directory already has an entry with that name.', undefined, [fieldError('name', 'directory.name_taken', 'Another entry already has this name.')]);
}

export async function createDirectoryEntry(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'locale'>, actor: Actor | null, input: DirectoryEntryInput, now: Date): Promise<DirectoryEntry> {
  const phone = phoneIn(tenant, input.phone);
  await refuseTakenName(tx, input.name);
  const id = newId();
  await tx
    .insertInto('directoryEntries')
    .values({
      tenantId: tenant.id,
      id,
      name: input.name,
      phone,
      description: input.description ?? null,
      reachable: input.reachable ?? null,
      active: input.active ?? true,
      sortOrder: input.sortOrder ?? 0,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  const entry = (await findDirectoryEntry(tx, id))!;
  await writeAudit(tx, tenant.id, actor, { action: 'directory.entry_created', targetType: 'directory_entry', targetId: id, after: audited(entry) });
  return entry;
}

export async function updateDirectoryEntry(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'locale'>, actor: Actor | null, id: string, patch: DirectoryEntryPatch, now: Date): Promise<DirectoryEntry> {
  const before = await findDirectoryEntry(tx, id);
  if (!before) throw notFound('No such directory entry.');
  const phone = patch.phone !== undefined ? phoneIn(tenant, patch.phone) : undefined;
  if (patch.name !== undefined) await refuseTakenName(tx, patch.name, id);
  // Only what differs is written (and audited): the same values again change nothing.
  const changes = Object.fromEntries(Object.entries({ ...patch, phone }).filter(([k, v]) => v !== undefined && v !== before[k as keyof DirectoryEntry]));
  if (!Object.keys(changes).length) return before;
  await tx
    .updateTable('directoryEntries')
    .set({ ...changes, updatedAt: now })
    .where('id', '=', id)
    .execute();
  const after = (await findDirectoryEntry(tx, id))!;
  await writeAudit(tx, tenant.id, actor, { action: 'directory.entry_updated', targetType: 'directory_entry', targetId: id, before: audited(before), after: audited(after) });
  return after;
}

export async function deleteDirectoryEntry(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  const before = await findDirectoryEntry(tx, id);
  if (!before) throw notFound('No such directory entry.');
  await tx.deleteFrom('directoryEntries').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'directory.entry_deleted', targetType: 'directory_entry', targetId: id, before: audited(before) });
}

/** What the desk's Transfer dialog lists of the directory: the active entries. */
export const DirectoryTargetSchema = DirectoryEntrySchema.pick({ id: true, name: true, phone: true, description: true, reachable: true }).openapi('DirectoryTarget');

export async function directoryTargets(tx: TenantTx): Promise<z.infer<typeof DirectoryTargetSchema>[]> {
  return (await listDirectory(tx, { activeOnly: true })).map(({ id, name, phone, description, reachable }) => ({ id, name, phone, description, reachable }));
}

import { z } from 'zod';
import { createDirectoryEntry, DirectoryEntryInputSchema, listDirectory, ProblemError, updateDirectoryEntry, type DirectoryEntry } from '@switchboard/api';
import type { TenantTx } from '@switchboard/db';

/**
 * The `directory` section of a tenant file: the client's own lines operators may transfer calls to
 * (its fraud desk, branches), by name. Entries are upserted by name (whatever its case) through the
 * API's own verbs; an entry the file does not list is left alone and noted. Numbers may be written as
 * people write them: they are read in the tenant's country and kept in E.164, as export writes them.
 */

const EntryDefinitionSchema = DirectoryEntryInputSchema.transform((entry) => ({
  name: entry.name,
  phone: entry.phone,
  ...(entry.description ? { description: entry.description } : {}),
  ...(entry.reachable ? { reachable: entry.reachable } : {}),
  active: entry.active ?? true,
  sortOrder: entry.sortOrder ?? 0,
}));
export type DirectoryEntryDefinition = z.output<typeof EntryDefinitionSchema>;

const bySortOrderThenName = (a: DirectoryEntryDefinition, b: DirectoryEntryDefinition) =>
  a.sortOrder - b.sortOrder || a.name.localeCompare(b.name, 'en') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Ordered as export writes it (sort order, then name); a name listed twice, in any case, is an error at its repeat. */
export const DirectorySectionSchema = z
  .array(EntryDefinitionSchema)
  .max(500)
  .superRefine((entries, ctx) => {
    const seen = new Map<string, number>();
    entries.forEach((entry, index) => {
      const key = entry.name.toLowerCase();
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${entry.name} is already listed at directory[${first}].` });
    });
  })
  .transform((entries) => [...entries].sort(bySortOrderThenName));

const toDefinition = (entry: DirectoryEntry): DirectoryEntryDefinition => ({
  name: entry.name,
  phone: entry.phone,
  ...(entry.description ? { description: entry.description } : {}),
  ...(entry.reachable ? { reachable: entry.reachable } : {}),
  active: entry.active,
  sortOrder: entry.sortOrder,
});

/** The names the tenant's active directory entries will have once the file is applied (scripts' transfer steps name them). */
export async function activeNamesAfterApply(tx: TenantTx, section: DirectoryEntryDefinition[] | undefined): Promise<string[]> {
  const merged = new Map((await listDirectory(tx)).map((e) => [e.name.toLowerCase(), { name: e.name, active: e.active }]));
  for (const e of section ?? []) merged.set(e.name.toLowerCase(), { name: e.name, active: e.active });
  return [...merged.values()].filter((e) => e.active).map((e) => e.name);
}

export async function applyDirectory(
  tx: TenantTx,
  tenant: { id: string; locale: string },
  section: DirectoryEntryDefinition[],
  now: Date,
  changed: (field: string, change: string) => void,
  note: (line: string) => void,
): Promise<string[]> {
  const current = new Map((await listDirectory(tx)).map((e) => [e.name.toLowerCase(), e]));
  const refused: string[] = [];
  for (const [index, wanted] of section.entries()) {
    const existing = current.get(wanted.name.toLowerCase());
    const input = { description: null, reachable: null, ...wanted };
    try {
      if (!existing) {
        await createDirectoryEntry(tx, tenant, null, input, now);
        changed('directory', `directory: added ${wanted.name}`);
        continue;
      }
      const after = await updateDirectoryEntry(tx, tenant, null, existing.id, input, now);
      if (JSON.stringify(toDefinition(after)) !== JSON.stringify(toDefinition(existing))) changed('directory', `directory: ${wanted.name} changed`);
    } catch (error) {
      if (!(error instanceof ProblemError) || !error.errors) throw error;
      refused.push(...error.errors.map((e) => `directory[${index}].${e.path}: ${e.message}`));
    }
  }
  const listed = new Set(section.map((e) => e.name.toLowerCase()));
  for (const [key, entry] of current) if (!listed.has(key)) note(`directory: ${entry.name} is not in the file; left alone (remove it in the portal).`);
  return refused;
}

/** The tenant's directory as its section, or null when it has none (applying the export then leaves it alone). */
export async function exportDirectory(tx: TenantTx): Promise<DirectoryEntryDefinition[] | null> {
  const entries = (await listDirectory(tx)).map(toDefinition).sort(bySortOrderThenName);
  return entries.length ? entries : null;
}

import type { TenantTx } from '@switchboard/db';
import { menuDefinitionSchema, type MenuDefinition } from './menu.ts';

/**
 * The enabled keypad menu of one of the tenant's numbers, or null (no menu, disabled, or a stored definition
 * that no longer parses: a caller is then routed as if there were no menu rather than stuck).
 */
export async function loadMenuForNumber(tx: TenantTx, number: string): Promise<MenuDefinition | null> {
  const row = await tx.selectFrom('ivrMenus').select(['definition']).where('number', '=', number).where('enabled', '=', true).executeTakeFirst();
  if (!row) return null;
  const parsed = menuDefinitionSchema.safeParse(row.definition);
  return parsed.success ? parsed.data : null;
}

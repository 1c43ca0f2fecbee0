import { latestPublishedScripts, listWrapUpCodes } from '@switchboard/api';
import type { TenantTx } from '@switchboard/db';
import type { TenantDefinition } from './format.ts';

/**
 * The `wrapUpCodes` and `scripts` sections as export writes them: codes ordered by code, and each
 * function's latest published version (drafts stay in the portal). A tenant with none of either
 * exports no section, so applying the export leaves them alone.
 */
export async function exportScriptSections(tx: TenantTx): Promise<Pick<TenantDefinition, 'wrapUpCodes' | 'scripts'>> {
  const codes = await listWrapUpCodes(tx);
  const scripts = await latestPublishedScripts(tx);
  return {
    ...(codes.length ? { wrapUpCodes: codes.map((c) => ({ code: c.code, label: c.label, active: c.active })) } : {}),
    ...(scripts.length ? { scripts: Object.fromEntries(scripts.map((s) => [s.function, s.body])) } : {}),
  };
}

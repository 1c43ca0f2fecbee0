import { createWrapUpCode, latestPublishedScripts, listWrapUpCodes, publishScript, updateWrapUpCode } from '@switchboard/api';
import { canonicalJson, validateScript } from '@switchboard/api/scripts';
import type { CallFunctionId, TenantTx } from '@switchboard/db';
import type { TenantDefinition } from './format.ts';
import { activeNamesAfterApply } from './directory.ts';

/**
 * The `wrapUpCodes` and `scripts` sections of a tenant file. Codes are upserted (codes the file does
 * not list are left alone and noted). A script is published as a new version only when its body
 * differs from the latest published one, so applying the same file again changes nothing.
 */

/** The wrap-up codes the tenant will have once the file is applied: the current ones, overridden by the file's. */
function codesAfterApply(current: { code: string; active: boolean }[], definition: TenantDefinition) {
  const merged = new Map(current.map((c) => [c.code, c.active]));
  for (const c of definition.wrapUpCodes ?? []) merged.set(c.code, c.active);
  return [...merged].map(([code, active]) => ({ code, active }));
}

/** Every problem of every script in the file, as `scripts.<function>.steps[3].next: …`, checked before anything is written. */
export async function scriptProblems(tx: TenantTx, definition: TenantDefinition): Promise<string[]> {
  if (!definition.scripts) return [];
  const wrapUpCodes = codesAfterApply(await listWrapUpCodes(tx), definition);
  const directory = await activeNamesAfterApply(tx, definition.directory);
  return Object.entries(definition.scripts).flatMap(([fn, body]) =>
    body ? validateScript(body, { function: fn as CallFunctionId, wrapUpCodes, directory }).map((p) => `scripts.${fn}.${p.path}: ${p.message}`) : [],
  );
}

export async function applyScripts(
  tx: TenantTx,
  tenantId: string,
  definition: TenantDefinition,
  now: Date,
  changed: (field: string, change: string) => void,
  note: (line: string) => void,
): Promise<void> {
  if (definition.wrapUpCodes) {
    const current = new Map((await listWrapUpCodes(tx)).map((c) => [c.code, c]));
    for (const code of definition.wrapUpCodes) {
      const existing = current.get(code.code);
      if (!existing) {
        await createWrapUpCode(tx, tenantId, null, code, now);
        changed('wrapUpCodes', `wrapUpCodes: added ${code.code}`);
      } else if (existing.label !== code.label || existing.active !== code.active) {
        await updateWrapUpCode(tx, tenantId, null, code.code, { label: code.label, active: code.active }, now);
        changed('wrapUpCodes', `wrapUpCodes: ${code.code} changed`);
      }
    }
    const listed = new Set(definition.wrapUpCodes.map((c) => c.code));
    for (const code of current.keys()) if (!listed.has(code)) note(`wrapUpCodes: ${code} is not in the file; left alone (remove it in the portal).`);
  }
  if (definition.scripts) {
    const latest = new Map((await latestPublishedScripts(tx)).map((s) => [s.function, s]));
    for (const [fn, body] of Object.entries(definition.scripts)) {
      if (!body) continue;
      const published = latest.get(fn as CallFunctionId);
      if (published && canonicalJson(published.body) === canonicalJson(body)) continue;
      const version = await publishScript(tx, tenantId, null, fn as CallFunctionId, now, body);
      changed('scripts', `scripts: ${fn} published as version ${version.version}`);
    }
  }
}

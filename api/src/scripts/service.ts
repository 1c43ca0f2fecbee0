import { callFunctions, jsonb, newId, type CallFunctionId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, invalid, notFound, fieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { canonicalJson, emptyScript, ScriptBodySchema, type ScriptBody } from './model.ts';
import { validateScript, type ScriptProblem } from './validate.ts';
import { diffScripts, type ScriptDiff } from './diff.ts';
import { templatesIn } from './templates.ts';
import type { Language } from '@switchboard/db/languages';

/**
 * Call scripts and wrap-up codes, in the tenant's transaction. Every write is audited in that same
 * transaction. A script is created the first time its draft is saved (or a version is published
 * from a tenant file); a version, once published, never changes.
 */

// ---- wrap-up codes ---------------------------------------------------------------------------

export interface WrapUpCodeInput {
  code: string;
  label: string;
  active: boolean;
}

const codeColumns = ['code', 'label', 'active', 'createdAt', 'updatedAt'] as const;

export function listWrapUpCodes(tx: TenantTx) {
  return tx.selectFrom('wrapUpCodes').select(codeColumns).orderBy('code').execute();
}

export async function createWrapUpCode(tx: TenantTx, tenantId: string, actor: Actor | null, input: WrapUpCodeInput, now: Date) {
  const existing = await tx.selectFrom('wrapUpCodes').select('code').where('code', '=', input.code).executeTakeFirst();
  if (existing) throw conflict('wrap_up_code.taken', `There is already a wrap-up code '${input.code}'.`, { code: input.code }, [fieldError('code', 'wrap_up_code.taken', 'This code is already used.')]);
  const row = await tx
    .insertInto('wrapUpCodes')
    .values({ tenantId, ...input, createdAt: now, updatedAt: now })
    .returning(codeColumns)
    .executeTakeFirstOrThrow();
  await writeAudit(tx, tenantId, actor, { action: 'wrap_up_code.created', targetType: 'wrap_up_code.unknown', targetId: input.code, after: input });
  return row;
}

export async function updateWrapUpCode(
  tx: TenantTx,
  tenantId: string,
  actor: Actor | null,
  code: string,
  patch: Partial<Omit<WrapUpCodeInput, 'code'>>,
  now: Date,
) {
  const before = await tx.selectFrom('wrapUpCodes').select(['label', 'active']).where('code', '=', code).executeTakeFirst();
  if (!before) throw notFound();
  const row = await tx
    .updateTable('wrapUpCodes')
    .set({ ...patch, updatedAt: now })
    .where('code', '=', code)
    .returning(codeColumns)
    .executeTakeFirstOrThrow();
  await writeAudit(tx, tenantId, actor, {
    action: 'wrap_up_code.updated',
    targetType: 'wrap_up_code.unknown',
    targetId: code,
    before,
    after: { label: row.label, active: row.active },
  });
  return row;
}

/** Removes a code; scripts already published keep naming it, so a code in use is retired (active: false) instead. */
export async function deleteWrapUpCode(tx: TenantTx, tenantId: string, actor: Actor | null, code: string): Promise<void> {
  const removed = await tx.selectFrom('wrapUpCodes').select(['code', 'label', 'active']).where('code', '=', code).executeTakeFirst();
  if (!removed) throw notFound();
  const users = await scriptsUsingCode(tx, code);
  if (users.length) {
    throw conflict('wrap_up_code.in_use', `'${code}' ends calls in the published ${users.join(', ')} script; retire it instead (make it inactive).`, { code, scripts: users });
  }
  await tx.deleteFrom('wrapUpCodes').where('code', '=', code).execute();
  await writeAudit(tx, tenantId, actor, { action: 'wrap_up_code.deleted', targetType: 'wrap_up_code.unknown', targetId: code, before: removed });
}

async function scriptsUsingCode(tx: TenantTx, code: string): Promise<string[]> {
  const latest = await latestVersions(tx);
  return latest
    .filter((v) => ScriptBodySchema.parse(v.body).steps.some((s) => s.type === 'end' && s.disposition === code))
    .map((v) => v.function);
}

// ---- scripts ---------------------------------------------------------------------------------

function latestVersions(tx: TenantTx) {
  return tx
    .selectFrom('scriptVersions as v')
    .innerJoin('scripts as s', (j) => j.onRef('s.tenantId', '=', 'v.tenantId').onRef('s.id', '=', 'v.scriptId'))
    .select(['s.function', 'v.scriptId', 'v.version', 'v.body', 'v.publishedAt', 'v.publishedByLabel'])
    .where(({ eb, selectFrom }) =>
      eb(
        'v.version',
        '=',
        selectFrom('scriptVersions as w').select((w) => w.fn.max('w.version').as('m')).whereRef('w.scriptId', '=', 'v.scriptId'),
      ),
    )
    .execute();
}

export interface VersionSummary {
  version: number;
  publishedAt: Date;
  publishedBy: string;
}

export interface ScriptSummary {
  function: CallFunctionId;
  label: string;
  /** False until a draft is saved or a version published. */
  exists: boolean;
  latestVersion: VersionSummary | null;
  /** The draft differs from the latest version (or nothing is published yet). */
  unpublishedChanges: boolean;
  draftUpdatedAt: Date | null;
  draftSteps: number;
}

/** One entry per call-center function, with or without a script. */
export async function listScripts(tx: TenantTx): Promise<ScriptSummary[]> {
  const scripts = await tx.selectFrom('scripts').select(['function', 'draft', 'draftUpdatedAt']).execute();
  const latest = await latestVersions(tx);
  return callFunctions.map((f) => {
    const script = scripts.find((s) => s.function === f.id);
    const version = latest.find((v) => v.function === f.id);
    return {
      function: f.id,
      label: f.label,
      exists: !!script,
      latestVersion: version ? { version: version.version, publishedAt: version.publishedAt, publishedBy: version.publishedByLabel } : null,
      unpublishedChanges: !!script && (!version || canonicalJson(script.draft) !== canonicalJson(version.body)),
      draftUpdatedAt: script?.draftUpdatedAt ?? null,
      draftSteps: script ? ScriptBodySchema.parse(script.draft).steps.length : 0,
    };
  });
}

export interface Draft {
  function: CallFunctionId;
  body: ScriptBody;
  exists: boolean;
  updatedAt: Date | null;
  updatedBy: string | null;
  latestVersion: number | null;
  /** What publishing would refuse today; [] when the draft is ready. */
  problems: ScriptProblem[];
}

async function validationContext(tx: TenantTx, fn: CallFunctionId) {
  const wrapUpCodes = await tx.selectFrom('wrapUpCodes').select(['code', 'active']).execute();
  const directory = (await tx.selectFrom('directoryEntries').select('name').where('active', '=', true).execute()).map((e) => e.name);
  return { function: fn, wrapUpCodes, directory };
}

async function latestVersionNumber(tx: TenantTx, scriptId: string): Promise<number | null> {
  const row = await tx
    .selectFrom('scriptVersions')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('scriptId', '=', scriptId)
    .executeTakeFirst();
  return row?.version ?? null;
}

/** What publishing this body would refuse today (the editor's live check): reads the wrap-up codes, writes nothing. */
export async function checkScript(tx: TenantTx, fn: CallFunctionId, body: ScriptBody): Promise<ScriptProblem[]> {
  return validateScript(body, await validationContext(tx, fn));
}

/**
 * The script templates in the tenant's language (its locale: the language its operators speak on its
 * calls), each with which of its wrap-up codes the tenant has already (and whether in use).
 */
export async function listTemplates(tx: TenantTx, language: Language | null) {
  const codes = await tx.selectFrom('wrapUpCodes').select(['code', 'active']).execute();
  return templatesIn(language).map((t) => ({
    ...t,
    wrapUpCodes: t.wrapUpCodes.map((c) => {
      const existing = codes.find((e) => e.code === c.code);
      return { ...c, exists: !!existing, active: existing?.active ?? false };
    }),
  }));
}

export async function getDraft(tx: TenantTx, fn: CallFunctionId): Promise<Draft> {
  const script = await tx.selectFrom('scripts').selectAll().where('function', '=', fn).executeTakeFirst();
  const body = script ? ScriptBodySchema.parse(script.draft) : emptyScript();
  return {
    function: fn,
    body,
    exists: !!script,
    updatedAt: script?.draftUpdatedAt ?? null,
    updatedBy: script?.draftUpdatedBy ?? null,
    latestVersion: script ? await latestVersionNumber(tx, script.id) : null,
    problems: validateScript(body, await validationContext(tx, fn)),
  };
}

/** Saves the draft as given (shape-checked only: a draft may be unfinished). */
export async function saveDraft(tx: TenantTx, tenantId: string, actor: Actor | null, fn: CallFunctionId, body: ScriptBody, now: Date): Promise<Draft> {
  const before = await tx.selectFrom('scripts').select(['id', 'draft']).where('function', '=', fn).executeTakeFirst();
  const by = actor?.label ?? 'system';
  if (before) {
    await tx.updateTable('scripts').set({ draft: jsonb(body), draftUpdatedAt: now, draftUpdatedBy: by }).where('id', '=', before.id).execute();
  } else {
    await tx
      .insertInto('scripts')
      .values({ tenantId, id: newId(), function: fn, draft: jsonb(body), draftUpdatedAt: now, draftUpdatedBy: by, createdAt: now })
      .execute();
  }
  await writeAudit(tx, tenantId, actor, {
    action: 'script.draft_saved',
    targetType: 'script',
    targetId: fn,
    before: before ? { steps: ScriptBodySchema.parse(before.draft).steps.length } : undefined,
    after: { steps: body.steps.length },
  });
  return getDraft(tx, fn);
}

export interface PublishedVersion extends VersionSummary {
  function: CallFunctionId;
  scriptId: string;
  body: ScriptBody;
}

/**
 * Publishes a script as version n+1 after the whole-script check; refuses with every problem (400)
 * and saves nothing. Without `body`, the saved draft is published; with it (tenant files), that body
 * becomes the draft too.
 */
export async function publishScript(
  tx: TenantTx,
  tenantId: string,
  actor: Actor | null,
  fn: CallFunctionId,
  now: Date,
  body?: ScriptBody,
): Promise<PublishedVersion> {
  // Locks the script row, so two publications at once number their versions one after the other.
  const script = await tx.selectFrom('scripts').select(['id', 'draft']).where('function', '=', fn).forUpdate().executeTakeFirst();
  const toPublish = body ?? (script ? ScriptBodySchema.parse(script.draft) : undefined);
  if (!toPublish) throw invalid([fieldError('steps', 'script.no_draft', 'There is no draft to publish yet: write the script first.')], 'The script cannot be published.', 'script.nothing_to_publish');
  const problems = validateScript(toPublish, await validationContext(tx, fn));
  if (problems.length) {
    throw invalid(problems, `The script cannot be published: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} to fix.`, 'script.not_publishable', { n: problems.length });
  }
  const by = actor?.label ?? 'system';
  let scriptId = script?.id;
  if (!scriptId) {
    scriptId = newId();
    await tx
      .insertInto('scripts')
      .values({ tenantId, id: scriptId, function: fn, draft: jsonb(toPublish), draftUpdatedAt: now, draftUpdatedBy: by, createdAt: now })
      .execute();
  } else if (body) {
    await tx.updateTable('scripts').set({ draft: jsonb(body), draftUpdatedAt: now, draftUpdatedBy: by }).where('id', '=', scriptId).execute();
  }
  const version = ((await latestVersionNumber(tx, scriptId)) ?? 0) + 1;
  await tx
    .insertInto('scriptVersions')
    .values({ tenantId, scriptId, version, body: jsonb(toPublish), publishedAt: now, publishedBy: actor?.id ?? null, publishedByLabel: by })
    .execute();
  await writeAudit(tx, tenantId, actor, {
    action: 'script.published',
    targetType: 'script',
    targetId: fn,
    after: { version, steps: toPublish.steps.length },
  });
  return { function: fn, scriptId, version, publishedAt: now, publishedBy: by, body: toPublish };
}

async function scriptIdOf(tx: TenantTx, fn: CallFunctionId): Promise<string | undefined> {
  return (await tx.selectFrom('scripts').select('id').where('function', '=', fn).executeTakeFirst())?.id;
}

export async function listVersions(tx: TenantTx, fn: CallFunctionId): Promise<VersionSummary[]> {
  const scriptId = await scriptIdOf(tx, fn);
  if (!scriptId) return [];
  const rows = await tx
    .selectFrom('scriptVersions')
    .select(['version', 'publishedAt', 'publishedByLabel'])
    .where('scriptId', '=', scriptId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ version: r.version, publishedAt: r.publishedAt, publishedBy: r.publishedByLabel }));
}

export async function getVersion(tx: TenantTx, fn: CallFunctionId, version: number): Promise<PublishedVersion> {
  const scriptId = await scriptIdOf(tx, fn);
  const row = scriptId
    ? await tx.selectFrom('scriptVersions').selectAll().where('scriptId', '=', scriptId).where('version', '=', version).executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`There is no version ${version} of this script.`);
  return { function: fn, scriptId: row.scriptId, version: row.version, publishedAt: row.publishedAt, publishedBy: row.publishedByLabel, body: ScriptBodySchema.parse(row.body) };
}

/** The latest published version of each function's script (export, and the operator desk later). */
export async function latestPublishedScripts(tx: TenantTx): Promise<{ function: CallFunctionId; version: number; body: ScriptBody }[]> {
  const rows = await latestVersions(tx);
  return rows
    .map((r) => ({ function: r.function as CallFunctionId, version: r.version, body: ScriptBodySchema.parse(r.body) }))
    .sort((a, b) => (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
}

export async function diffVersions(tx: TenantTx, fn: CallFunctionId, from: number, to: number): Promise<ScriptDiff> {
  const [a, b] = [await getVersion(tx, fn, from), await getVersion(tx, fn, to)];
  return diffScripts(a.body, b.body);
}

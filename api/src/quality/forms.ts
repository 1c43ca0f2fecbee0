import { jsonb, newId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, notFound } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { formDefinitionSchema, type FormDefinition } from './form.ts';

/**
 * Quality evaluation forms, versioned like scripts: a form has at most one draft version (the highest
 * one, status `draft`); publishing it freezes it, and the next edit starts a new draft from it. An
 * evaluation names the form version it was scored against, which never changes once published.
 */

export interface FormInput {
  name: string;
  functions: string[];
  definition: FormDefinition;
}

export interface FormVersionSummary {
  version: number;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  publishedBy: string | null;
}

/** What a form without versions shows (never stored: a stored definition has at least one question). */
const emptyDefinition = { sections: [] } as unknown as FormDefinition;

async function versionsOf(tx: TenantTx, formId: string): Promise<FormVersionSummary[]> {
  return tx
    .selectFrom('qualityFormVersions')
    .select(['version', 'status', 'publishedAt', 'publishedBy'])
    .where('formId', '=', formId)
    .orderBy('version', 'desc')
    .execute();
}

export async function listForms(tx: TenantTx, includeArchived: boolean) {
  let q = tx.selectFrom('qualityForms').select(['id', 'name', 'functions', 'archived', 'updatedAt', 'updatedBy']);
  if (!includeArchived) q = q.where('archived', '=', false);
  const forms = await q.orderBy('name').orderBy('id').execute();
  const versions = forms.length
    ? await tx
        .selectFrom('qualityFormVersions')
        .select(['formId', 'version', 'status', 'publishedAt'])
        .where(
          'formId',
          'in',
          forms.map((f) => f.id),
        )
        .execute()
    : [];
  return forms.map((f) => {
    const own = versions.filter((v) => v.formId === f.id);
    const published = own.filter((v) => v.status === 'published').sort((a, b) => b.version - a.version)[0];
    return {
      ...f,
      publishedVersion: published?.version ?? null,
      publishedAt: published?.publishedAt ?? null,
      hasDraft: own.some((v) => v.status === 'draft'),
    };
  });
}

export async function getForm(tx: TenantTx, formId: string) {
  const form = await tx.selectFrom('qualityForms').select(['id', 'name', 'functions', 'archived', 'updatedAt', 'updatedBy']).where('id', '=', formId).executeTakeFirst();
  if (!form) throw notFound();
  const versions = await versionsOf(tx, formId);
  const latest = versions[0] ? await getVersion(tx, formId, versions[0].version) : null;
  const published = versions.find((v) => v.status === 'published');
  return {
    ...form,
    versions,
    /** What the editor edits: the draft if there is one, else the latest published version (editing it starts a draft). */
    definition: latest?.definition ?? emptyDefinition,
    draftVersion: versions[0]?.status === 'draft' ? versions[0].version : null,
    publishedVersion: published?.version ?? null,
  };
}

export async function getVersion(tx: TenantTx, formId: string, version: number) {
  const row = await tx
    .selectFrom('qualityFormVersions as v')
    .innerJoin('qualityForms as f', (j) => j.onRef('f.tenantId', '=', 'v.tenantId').onRef('f.id', '=', 'v.formId'))
    .select(['v.formId', 'f.name', 'v.version', 'v.status', 'v.definition', 'v.publishedAt', 'v.publishedBy'])
    .where('v.formId', '=', formId)
    .where('v.version', '=', version)
    .executeTakeFirst();
  if (!row) throw notFound();
  return { ...row, definition: formDefinitionSchema.parse(row.definition) };
}

export async function createForm(tx: TenantTx, tenantId: string, actor: Actor, input: FormInput, now: Date) {
  const id = newId();
  await tx.insertInto('qualityForms').values({ tenantId, id, name: input.name, functions: input.functions, createdAt: now, updatedAt: now, updatedBy: actor.label }).execute();
  await tx
    .insertInto('qualityFormVersions')
    .values({ tenantId, formId: id, version: 1, definition: jsonb(input.definition), status: 'draft', createdAt: now, createdBy: actor.label })
    .execute();
  await writeAudit(tx, tenantId, actor, { action: 'quality_form.created', targetType: 'quality_form', targetId: id, after: { name: input.name, functions: input.functions } });
  return getForm(tx, id);
}

/** Saves the draft: the draft version if there is one, else a new draft after the latest published version. */
export async function saveFormDraft(tx: TenantTx, tenantId: string, actor: Actor, formId: string, input: FormInput, now: Date) {
  const form = await tx.selectFrom('qualityForms').select(['id', 'archived']).where('id', '=', formId).forUpdate().executeTakeFirst();
  if (!form) throw notFound();
  if (form.archived) throw conflict('quality.form_archived', 'This form is archived: restore it before changing it.');
  const [latest] = await versionsOf(tx, formId);
  if (latest?.status === 'draft') {
    await tx.updateTable('qualityFormVersions').set({ definition: jsonb(input.definition), createdAt: now, createdBy: actor.label }).where('formId', '=', formId).where('version', '=', latest.version).execute();
  } else {
    await tx
      .insertInto('qualityFormVersions')
      .values({ tenantId, formId, version: (latest?.version ?? 0) + 1, definition: jsonb(input.definition), status: 'draft', createdAt: now, createdBy: actor.label })
      .execute();
  }
  await tx.updateTable('qualityForms').set({ name: input.name, functions: input.functions, updatedAt: now, updatedBy: actor.label }).where('id', '=', formId).execute();
  await writeAudit(tx, tenantId, actor, { action: 'quality_form.draft_saved', targetType: 'quality_form', targetId: formId, after: { name: input.name, functions: input.functions } });
  return getForm(tx, formId);
}

export async function publishForm(tx: TenantTx, tenantId: string, actor: Actor, formId: string, now: Date) {
  const form = await tx.selectFrom('qualityForms').select(['id', 'archived']).where('id', '=', formId).forUpdate().executeTakeFirst();
  if (!form) throw notFound();
  if (form.archived) throw conflict('quality.form_archived', 'This form is archived: restore it before changing it.');
  const [latest] = await versionsOf(tx, formId);
  if (latest?.status !== 'draft') throw conflict('quality.nothing_to_publish', 'There is no draft to publish: change the form first.');
  // The draft was checked whole when saved (form.ts: at least one section of weighted questions).
  await tx
    .updateTable('qualityFormVersions')
    .set({ status: 'published', publishedAt: now, publishedBy: actor.label })
    .where('formId', '=', formId)
    .where('version', '=', latest.version)
    .execute();
  await tx.updateTable('qualityForms').set({ updatedAt: now, updatedBy: actor.label }).where('id', '=', formId).execute();
  await writeAudit(tx, tenantId, actor, { action: 'quality_form.published', targetType: 'quality_form', targetId: formId, after: { version: latest.version } });
  return getForm(tx, formId);
}

export async function archiveForm(tx: TenantTx, tenantId: string, actor: Actor, formId: string, archived: boolean, now: Date) {
  const row = await tx.updateTable('qualityForms').set({ archived, updatedAt: now, updatedBy: actor.label }).where('id', '=', formId).returning('id').executeTakeFirst();
  if (!row) throw notFound();
  await writeAudit(tx, tenantId, actor, { action: archived ? 'quality_form.archived' : 'quality_form.restored', targetType: 'quality_form', targetId: formId });
  return getForm(tx, formId);
}

import { z } from 'zod';
import { formDefinitionSchema, SkillSchema, writeAudit } from '@switchboard/api';
import { jsonb, newId, type TenantTx } from '@switchboard/db';

/**
 * The `qualityForms` section of a tenant file: the evaluation forms the client's calls are scored with
 * (docs/quality.md), each with the functions it evaluates and its definition (sections of questions, the
 * schema of api/src/quality/form.ts). Forms are matched by name: a new one is created with its definition
 * published as version 1; a form whose latest published definition differs gets a new published version.
 * Written by direct inserts of quality_forms / quality_form_versions until the forms service is merged.
 */
export const QualityFormDefinitionSchema = z.strictObject({
  name: z.string().trim().min(1, 'Name the form.').max(120),
  /** The functions whose calls the form evaluates; left out or empty: every function. */
  functions: z
    .array(SkillSchema)
    .max(20)
    .default([])
    .transform((fns) => [...new Set(fns)].sort()),
  definition: formDefinitionSchema,
});
export type QualityFormDefinition = z.output<typeof QualityFormDefinitionSchema>;

export const QualityFormsSectionSchema = z
  .array(QualityFormDefinitionSchema)
  .max(50)
  .superRefine((forms, ctx) => {
    const seen = new Map<string, number>();
    forms.forEach((form, index) => {
      const first = seen.get(form.name.toLowerCase());
      if (first === undefined) seen.set(form.name.toLowerCase(), index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${form.name} is already listed at qualityForms[${first}].` });
    });
  })
  // Ordered by name, as export writes them.
  .transform((forms) => [...forms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));

export async function applyQualityForms(
  tx: TenantTx,
  tenantId: string,
  forms: QualityFormDefinition[],
  now: Date,
  changed: (field: string, change: string) => void,
): Promise<void> {
  for (const form of forms) {
    const existing = await tx.selectFrom('qualityForms').select(['id', 'functions']).where('name', '=', form.name).executeTakeFirst();
    if (!existing) {
      const id = newId();
      await tx.insertInto('qualityForms').values({ tenantId, id, name: form.name, functions: form.functions, createdAt: now, updatedAt: now, updatedBy: 'system' }).execute();
      await tx
        .insertInto('qualityFormVersions')
        .values({ tenantId, formId: id, version: 1, definition: jsonb(form.definition), status: 'published', publishedAt: now, publishedBy: 'system', createdAt: now, createdBy: 'system' })
        .execute();
      await writeAudit(tx, tenantId, null, { action: 'quality_form.published', targetType: 'quality_form', targetId: id, after: { name: form.name, version: 1 } });
      changed('qualityForms', `qualityForms: ${form.name} added`);
      continue;
    }
    if (JSON.stringify([...existing.functions].sort()) !== JSON.stringify(form.functions)) {
      await tx.updateTable('qualityForms').set({ functions: form.functions, updatedAt: now, updatedBy: 'system' }).where('id', '=', existing.id).execute();
      changed('qualityForms', `qualityForms: ${form.name} functions changed`);
    }
    const versions = await tx.selectFrom('qualityFormVersions').select(['version', 'definition', 'status']).where('formId', '=', existing.id).orderBy('version', 'desc').execute();
    const published = versions.find((v) => v.status === 'published');
    if (published && JSON.stringify(formDefinitionSchema.parse(published.definition)) === JSON.stringify(form.definition)) continue;
    const version = (versions[0]?.version ?? 0) + 1;
    await tx
      .insertInto('qualityFormVersions')
      .values({ tenantId, formId: existing.id, version, definition: jsonb(form.definition), status: 'published', publishedAt: now, publishedBy: 'system', createdAt: now, createdBy: 'system' })
      .execute();
    await writeAudit(tx, tenantId, null, { action: 'quality_form.published', targetType: 'quality_form', targetId: existing.id, after: { name: form.name, version } });
    changed('qualityForms', `qualityForms: ${form.name} version ${version} published`);
  }
}

/** The section as export writes it: each form (not archived) with its latest published definition, by name; null when none. */
export async function exportQualityForms(tx: TenantTx): Promise<QualityFormDefinition[] | null> {
  const forms = await tx.selectFrom('qualityForms').select(['id', 'name', 'functions']).where('archived', '=', false).orderBy('name').execute();
  const out: QualityFormDefinition[] = [];
  for (const form of forms) {
    const published = await tx
      .selectFrom('qualityFormVersions')
      .select('definition')
      .where('formId', '=', form.id)
      .where('status', '=', 'published')
      .orderBy('version', 'desc')
      .executeTakeFirst();
    if (published) out.push(QualityFormDefinitionSchema.parse({ name: form.name, functions: form.functions, definition: published.definition }));
  }
  return out.length ? QualityFormsSectionSchema.parse(out) : null;
}

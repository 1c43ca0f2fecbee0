import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds, type UserKind } from '@switchboard/db';
import { can, requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { requiredText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import type { TenantTx } from '@switchboard/db';
import { redactCardNumbers } from '@switchboard/db/card-numbers';
import { formDefinitionSchema, type FormDefinition } from './form.ts';
import { archiveForm, createForm, getForm, getVersion, listForms, publishForm, saveFormDraft } from './forms.ts';
import { requireEvaluator } from './evaluations.ts';

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['quality'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const Definition = formDefinitionSchema;

/** The form's texts are typed by people like any other: card numbers are redacted before they are stored (form.ts refuses control characters). */
function redacted(definition: FormDefinition): FormDefinition {
  return {
    sections: definition.sections.map((s) => ({
      ...s,
      title: redactCardNumbers(s.title),
      questions: s.questions.map((q) => ({ ...q, text: redactCardNumbers(q.text), ...(q.guidance === undefined ? {} : { guidance: redactCardNumbers(q.guidance) }) })),
    })),
  };
}
const FormBodySchema = z
  .object({
    name: requiredText(120, 'Name the form.'),
    functions: z.array(z.enum(callFunctionIds)).max(callFunctionIds.length).default([]).openapi({ description: 'Functions whose calls it evaluates; empty: every function' }),
    definition: formDefinitionSchema.transform(redacted),
  })
  .openapi('QualityFormBody', {
    example: {
      name: 'Inbound quality',
      functions: [],
      definition: { sections: [{ id: 'greeting', title: 'Greeting', questions: [{ id: 'q_greet', text: 'Greets the caller with the company name', kind: 'yes_no', weight: 1, naAllowed: false, critical: false }] }] },
    },
  });

const VersionSummarySchema = z.object({ version: z.number().int(), status: z.enum(['draft', 'published']), publishedAt: z.string().nullable(), publishedBy: z.string().nullable() });
const FormSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    functions: z.array(z.string()),
    archived: z.boolean(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    publishedVersion: z.number().int().nullable(),
    publishedAt: z.string().nullable(),
    hasDraft: z.boolean(),
  })
  .openapi('QualityFormSummary');
const FormSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    functions: z.array(z.string()),
    archived: z.boolean(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    versions: z.array(VersionSummarySchema),
    definition: Definition.openapi({ description: 'The draft, or the latest published version when there is no draft' }),
    draftVersion: z.number().int().nullable(),
    publishedVersion: z.number().int().nullable(),
  })
  .openapi('QualityForm');
const FormVersionSchema = z
  .object({ formId: z.uuid(), name: z.string(), version: z.number().int(), status: z.enum(['draft', 'published']), definition: Definition, publishedAt: z.string().nullable(), publishedBy: z.string().nullable() })
  .openapi('QualityFormVersion');

const FormParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const VersionParamSchema = FormParamSchema.extend({ version: z.coerce.number().int().min(1).max(1_000_000).openapi({ param: { name: 'version', in: 'path' }, example: 1 }) });

type FormOut = Awaited<ReturnType<typeof getForm>>;
const formJson = (f: FormOut) => ({ ...f, updatedAt: f.updatedAt.toISOString(), versions: f.versions.map((v) => ({ ...v, publishedAt: iso(v.publishedAt) })) });

/** Forms are read by whoever manages, reads or evaluates quality here (a client user only when listed as an evaluator). */
async function requireFormReader(tx: TenantTx, access: UserKind, userId: string) {
  if (can(access, 'quality.forms.manage') || can(access, 'quality.read')) return;
  await requireEvaluator(tx, access, userId);
}

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/forms',
  tags,
  summary: "The company's quality forms with their latest published version",
  request: { params: TenantParamSchema, query: z.object({ archived: z.enum(['true', 'false']).optional().openapi({ description: 'true: archived forms too' }) }) },
  responses: { 200: { description: 'Forms', ...json(z.object({ forms: z.array(FormSummarySchema) })) }, ...problemResponses(400, 401, 403, 404) },
});
const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/forms',
  tags,
  summary: 'Create a form (its first version is a draft)',
  request: { params: TenantParamSchema, body: { ...json(FormBodySchema), required: true } },
  responses: { 201: { description: 'Created', ...json(FormSchema) }, ...problemResponses(400, 401, 403, 404) },
});
const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/forms/{id}',
  tags,
  summary: 'A form: its versions and what the editor edits (the draft, else the latest version)',
  request: { params: FormParamSchema },
  responses: { 200: { description: 'The form', ...json(FormSchema) }, ...problemResponses(400, 401, 403, 404) },
});
const putDraft = createRoute({
  method: 'put',
  path: '/t/{tenant}/quality/forms/{id}/draft',
  tags,
  summary: "Save the form's draft (a new draft version after the published one, or the draft itself)",
  request: { params: FormParamSchema, body: { ...json(FormBodySchema), required: true } },
  responses: { 200: { description: 'Saved', ...json(FormSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});
const publish = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/forms/{id}/publish',
  tags,
  summary: 'Publish the draft: new evaluations use it; evaluations already made keep their version',
  request: { params: FormParamSchema },
  responses: { 200: { description: 'Published', ...json(FormSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});
const archive = createRoute({
  method: 'put',
  path: '/t/{tenant}/quality/forms/{id}/archived',
  tags,
  summary: 'Archive a form (no new evaluations against it) or restore it',
  request: { params: FormParamSchema, body: { ...json(z.object({ archived: z.boolean() }).openapi('QualityFormArchived', { example: { archived: true } })), required: true } },
  responses: { 200: { description: 'Done', ...json(FormSchema) }, ...problemResponses(400, 401, 403, 404) },
});
const version = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/forms/{id}/versions/{version}',
  tags,
  summary: 'One version of a form, as evaluations made against it were scored',
  request: { params: VersionParamSchema },
  responses: { 200: { description: 'The version', ...json(FormVersionSchema) }, ...problemResponses(400, 401, 403, 404) },
});

export const qualityFormRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    await requireFormReader(ctx.tx, ctx.access, ctx.actor.id);
    const forms = await listForms(ctx.tx, c.req.valid('query').archived === 'true');
    return c.json({ forms: forms.map((f) => ({ ...f, updatedAt: f.updatedAt.toISOString(), publishedAt: iso(f.publishedAt) })) }, 200);
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.forms.manage');
    return c.json(formJson(await createForm(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json'), c.var.deps.now())), 201);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    await requireFormReader(ctx.tx, ctx.access, ctx.actor.id);
    return c.json(formJson(await getForm(ctx.tx, c.req.valid('param').id)), 200);
  })
  .openapi(putDraft, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.forms.manage');
    return c.json(formJson(await saveFormDraft(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, c.req.valid('json'), c.var.deps.now())), 200);
  })
  .openapi(publish, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.forms.manage');
    return c.json(formJson(await publishForm(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, c.var.deps.now())), 200);
  })
  .openapi(archive, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.forms.manage');
    return c.json(formJson(await archiveForm(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, c.req.valid('json').archived, c.var.deps.now())), 200);
  })
  .openapi(version, async (c) => {
    const ctx = tenantContext(c);
    await requireFormReader(ctx.tx, ctx.access, ctx.actor.id);
    const { id, version: v } = c.req.valid('param');
    const row = await getVersion(ctx.tx, id, v);
    return c.json({ ...row, publishedAt: iso(row.publishedAt) }, 200);
  });

import { z } from 'zod';
import { clientRoles, providerStaffKinds, tenantStatuses } from '@switchboard/db';
import { HoursDefinitionSchema, normalizeHours, DisplayNameSchema, EmailSchema, SkillSchema, TenantProfileFieldSchemas } from '@switchboard/api';
import { DispositionCodeSchema, ScriptBodySchema } from '@switchboard/api/scripts';
import { callFunctionIds } from '@switchboard/db';
import { CatalogSectionSchema } from './catalog.ts';
import { rules } from '@switchboard/api';
import { DelegationInputSchema } from '@switchboard/api';
import { BillingSectionSchema, ProviderPricesSchema } from './billing.ts';
import { BrandColorSchema, callHandling, ivr, normalizeRouting, RoutingSchema, routingIssues, type Routing } from '@switchboard/api';
import { DirectorySectionSchema } from './directory.ts';
import { ContractSectionSchema } from './contract.ts';
import { QualityFormsSectionSchema } from './quality-forms.ts';

/**
 * The tenant definition format (tenants/README.md documents it for people). A tenant file is made
 * of top-level sections — `tenant`, `clientUsers`, `operators` today; hours, rules, scripts and
 * catalog later — so the format grows by adding sections, never by reshaping the existing ones.
 * Objects are strict: a misspelt key is an error, not a silently ignored line.
 */

// The API's own rule for skills, so anything the portal accepts can be exported and applied again.
export { SkillSchema };

export const TenantProfileSchema = z.strictObject({
  ...TenantProfileFieldSchemas,
  /** Left out: the file does not manage the status (a new tenant starts active; a suspension made in the portal stays). */
  status: z.enum(tenantStatuses).optional(),
  /** Left out: a new tenant gets the default colour, an existing one keeps its own. */
  brandColor: BrandColorSchema.optional(),
});

export const ClientUserSchema = z.strictObject({
  email: EmailSchema,
  displayName: DisplayNameSchema,
  role: z.enum(clientRoles),
});

export const OperatorAssignmentSchema = z
  .strictObject({
    email: EmailSchema,
    skills: z
      .array(SkillSchema)
      .max(50)
      .transform((skills) => [...new Set(skills)].sort()),
    /** Per skill: priority (1 first) and delay. Left out: every skill at priority 1, no delay. */
    routing: RoutingSchema.optional(),
    /**
     * When the operator's signed confidentiality agreement for this tenant was put on file. Left out:
     * the file does not manage it (one recorded in the portal stays); null: none on file.
     */
    agreementSignedAt: z.iso
      .datetime({ offset: true, message: 'Use an ISO 8601 instant such as 2026-01-15T09:00:00Z.' })
      .transform((v) => new Date(v).toISOString())
      .nullable()
      .optional(),
  })
  .superRefine((operator, ctx) => {
    for (const issue of routingIssues(operator.skills, operator.routing ?? {})) ctx.addIssue({ code: 'custom', ...issue });
  })
  // An empty profile is the same as none: left out, as export writes it.
  .transform(({ routing, ...operator }): typeof operator & { routing?: Routing } => {
    const normalized = normalizeRouting(routing ?? {});
    return Object.keys(normalized).length ? { ...operator, routing: normalized } : operator;
  });

/**
 * How the provider handles the tenant's calls. `settings` left out: not managed (present: exactly
 * these, fields left out at their defaults). `numbers` left out: not managed (present: the tenant's
 * numbers are exactly these, ordered by number).
 */
export const CallHandlingSectionSchema = z
  .strictObject({
    settings: callHandling.CallSettingsSchema.transform(callHandling.normalizeCallSettings).optional(),
    numbers: z.array(callHandling.PhoneNumberEntrySchema).max(200).optional(),
    /** Keypad menus (docs/ivr.md), by number. Left out: not managed; present: exactly these (menus of numbers not listed are removed). */
    menus: z
      .array(z.strictObject({ number: callHandling.PhoneNumberEntrySchema.shape.number, enabled: z.boolean().default(true), definition: ivr.menuDefinitionSchema }))
      .max(200)
      .optional(),
  })
  .superRefine((section, ctx) => {
    const seen = new Map<string, number>();
    section.numbers?.forEach((entry, index) => {
      const first = seen.get(entry.number);
      if (first === undefined) seen.set(entry.number, index);
      else ctx.addIssue({ code: 'custom', path: ['numbers', index, 'number'], message: `${entry.number} is already listed at numbers[${first}].` });
    });
  })
  .transform((section) => ({
    ...(section.settings ? { settings: section.settings } : {}),
    ...(section.numbers
      ? { numbers: [...section.numbers].sort(callHandling.byNumber).map((n) => ({ number: n.number, function: n.function, label: n.label })) }
      : {}),
    ...(section.menus ? { menus: [...section.menus].sort(callHandling.byNumber) } : {}),
  }));

export const StaffMemberSchema = z.strictObject({
  email: EmailSchema,
  displayName: DisplayNameSchema,
  kind: z.enum(providerStaffKinds),
});

function byEmail<T extends { email: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/** Reports every repeat of an email in a list, at the repeat's own path. */
function noRepeatedEmails(list: { email: string }[], section: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    const first = seen.get(item.email);
    if (first === undefined) seen.set(item.email, index);
    else ctx.addIssue({ code: 'custom', path: [section, index, 'email'], message: `${item.email} is already listed at ${section}[${first}].` });
  });
}

/** A disposition calls can end with; `active: false` retires it (scripts may no longer end with it). */
export const WrapUpCodeDefinitionSchema = z.strictObject({
  code: DispositionCodeSchema,
  label: z.string().trim().min(1, 'Enter the words operators see.').max(120),
  active: z.boolean().default(true),
});

/** Wrap-up codes ordered by code (as export writes them); a code listed twice is an error at its repeat. */
export const WrapUpCodesSectionSchema = z
  .array(WrapUpCodeDefinitionSchema)
  .superRefine((codes, ctx) => {
    const seen = new Set<string>();
    codes.forEach((c, i) => {
      if (seen.has(c.code)) ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `${c.code} is listed twice.` });
      seen.add(c.code);
    });
  })
  .transform((codes) => [...codes].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)));

/** Per call-center function, the script to publish (api/src/scripts/model.ts); checked in full when applied. */
export const ScriptsSectionSchema = z.partialRecord(z.enum(callFunctionIds), ScriptBodySchema);

/** Per call-center function: delegated to the provider, or kept in-house with its destination. Applied after hours and scripts. */
export const DelegationsSectionSchema = z.partialRecord(z.enum(callFunctionIds), DelegationInputSchema);

/**
 * One tenant file. Parsing normalizes it: emails lower-cased, lists ordered by email, skills
 * de-duplicated and sorted — the same order `tenants:export` writes, so a round trip compares equal.
 */
export const TenantFileSchema = z
  .strictObject({
    tenant: TenantProfileSchema,
    clientUsers: z.array(ClientUserSchema).default([]),
    operators: z.array(OperatorAssignmentSchema).default([]),
    /** Left out: the file does not manage the hours. Present: the tenant's hours are exactly these (tenants/README.md). */
    hours: HoursDefinitionSchema.transform(normalizeHours).optional(),
    /** Left out: the file does not manage wrap-up codes. Codes it does not list are left alone. */
    wrapUpCodes: WrapUpCodesSectionSchema.optional(),
    /** Left out: the file does not manage scripts. A function listed gets a new version when its script differs. */
    scripts: ScriptsSectionSchema.optional(),
    /** Left out: the file does not manage the catalog. Entries it does not list are left alone (tenants/README.md). */
    catalog: CatalogSectionSchema.optional(),
    /** Left out: the file does not manage delegations. Functions it does not list are left alone (tenants/README.md). */
    delegations: DelegationsSectionSchema.optional(),
    /** Left out: the file does not manage the confidentiality rules. Present: they become exactly these, parts left out at their defaults. */
    rules: rules.RulesSchema.optional(),
    /** Left out: the file does not manage call handling (tenants/README.md). */
    callHandling: CallHandlingSectionSchema.optional(),
    /** Left out: the file does not manage billing. Each part of it left out is not managed either (tenants/README.md). */
    billing: BillingSectionSchema.optional(),
    /** Left out: the file does not manage the directory. Entries it does not list are left alone (tenants/README.md). */
    directory: DirectorySectionSchema.optional(),
    /** Left out: the file does not manage the contract. Versions it does not list are left alone (tenants/README.md). */
    contract: ContractSectionSchema.optional(),
    /** Left out: the file does not manage quality forms. Forms it does not list are left alone (tenants/README.md). */
    qualityForms: QualityFormsSectionSchema.optional(),
  })
  .superRefine((file, ctx) => {
    noRepeatedEmails(file.clientUsers, 'clientUsers', ctx);
    noRepeatedEmails(file.operators, 'operators', ctx);
  })
  .transform((file) => ({ ...file, clientUsers: byEmail(file.clientUsers), operators: byEmail(file.operators) }));

/** The provider's own staff: provider admins, supervisors and the operators tenant files refer to. */
export const ProviderFileSchema = z
  .strictObject({
    staff: z.array(StaffMemberSchema).default([]),
    /**
     * Left out: the file does not manage prices. Present: the list prices in effect today and scheduled
     * become exactly these (tenants/README.md); the past is never changed.
     */
    prices: ProviderPricesSchema.optional(),
  })
  .superRefine((file, ctx) => noRepeatedEmails(file.staff, 'staff', ctx))
  .transform((file) => ({ staff: byEmail(file.staff), ...(file.prices ? { prices: file.prices } : {}) }));

export type TenantDefinition = z.output<typeof TenantFileSchema>;
export type TenantDefinitionInput = z.input<typeof TenantFileSchema>;
export type TenantProfile = TenantDefinition['tenant'];
export type ClientUserDefinition = TenantDefinition['clientUsers'][number];
export type OperatorDefinition = TenantDefinition['operators'][number];
export type ProviderDefinition = z.output<typeof ProviderFileSchema>;
export type StaffMemberDefinition = ProviderDefinition['staff'][number];

/** The fields of the `tenant` section that apply compares and updates, in file order. */
export const tenantProfileFields = ['name', 'legalName', 'timeZone', 'locale', 'currency', 'brandColor', 'status'] as const;

import { z } from '@hono/zod-openapi';
import { tenantStatuses, type Tenant } from '@switchboard/db';
import { GoLiveSummarySchema } from '../go-live/schemas.ts';
import { CurrencySchema, DisplayNameSchema, LocaleSchema, SlugSchema, TimeZoneSchema, codedPattern, requiredText, typedText } from '../http/validators.ts';
import { EmailSchema } from '../auth/schemas.ts';

export const TenantSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    legalName: z.string(),
    timeZone: z.string(),
    locale: z.string(),
    currency: z.string(),
    brandColor: z.string().openapi({ description: "The colour of the desk's banner while an operator is on this tenant's call", example: '#c0392b' }),
    status: z.enum(tenantStatuses),
    suspendedReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Tenant');

export const TenantSummarySchema = TenantSchema.extend({
  operatorCount: z.number().int(),
  memberCount: z.number().int(),
  goLive: GoLiveSummarySchema.openapi({ description: "The company's go-live checklist in short (GET /api/t/{tenant}/go-live has the items)" }),
}).openapi('TenantSummary');

/** The API's view of a tenant row; typed against the table so the two cannot drift apart. */
export function tenantToJson(row: Tenant): z.infer<typeof TenantSchema> {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export const InvitationSchema = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(['client_admin', 'client_member']),
    temporaryPassword: z.string().openapi({ description: 'Shown once; must be changed at first login.' }),
  })
  .openapi('Invitation');

/** `#rrggbb`, stored in lower case (the column's check). */
export const BrandColorSchema = z
  .string()
  .trim()
  .regex(codedPattern(/^#[0-9a-fA-F]{6}$/, 'colour'), 'Use a colour as #rrggbb, such as #c0392b.')
  .transform((v) => v.toLowerCase())
  .openapi({ type: 'string', example: '#c0392b' });

/** A tenant's own fields, as onboarding and the tenant definition files both take them. */
export const TenantProfileFieldSchemas = {
  slug: SlugSchema,
  name: requiredText(120, 'Enter the company name.'),
  legalName: requiredText(200, 'Enter the legal name.'),
  timeZone: TimeZoneSchema,
  locale: LocaleSchema,
  currency: CurrencySchema,
};

export const CreateTenantBodySchema = z
  .object({
    ...TenantProfileFieldSchemas,
    brandColor: BrandColorSchema.optional(),
    clientAdmin: z.object({ email: EmailSchema, displayName: DisplayNameSchema }).optional(),
  })
  .openapi('CreateTenantBody', {
    example: {
      slug: 'fleurs-lyon',
      name: 'Fleurs de Lyon',
      legalName: 'Fleurs de Lyon SARL',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      currency: 'EUR',
      brandColor: '#8e44ad',
      clientAdmin: { email: 'admin@fleurs-lyon.test', displayName: 'Claire Martin' },
    },
  });

export const CreatedTenantSchema = z
  .object({ tenant: TenantSchema, invitation: InvitationSchema.nullable() })
  .openapi('CreatedTenant');

export const UpdateTenantBodySchema = z
  .object({
    name: requiredText(120, 'Enter the company name.'),
    legalName: requiredText(200, 'Enter the legal name.'),
    timeZone: TimeZoneSchema,
    locale: LocaleSchema,
    currency: CurrencySchema,
    brandColor: BrandColorSchema,
    status: z.enum(tenantStatuses),
    suspendedReason: typedText(500).nullable(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'Send at least one field to change.' })
  .openapi('UpdateTenantBody', { example: { status: 'suspended', suspendedReason: 'Unpaid invoices' } });

export const TenantParamSchema = z.object({
  tenant: z.string().openapi({ param: { name: 'tenant', in: 'path' }, example: 'pizza-napoli' }),
});

import { z } from '@hono/zod-openapi';
import type { Tenant, TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';

/**
 * A tenant's billing account: what it commits to per month, its dedicated operator seats, and its
 * state with the billing provider (past due, Stripe ids). A tenant with no row is on the defaults:
 * no commitment, no seats, never past due.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export const BillingAccountInputSchema = z
  .strictObject({
    minimumCommitmentMinor: z
      .number({ message: 'Enter an amount in minor units (cents), e.g. 150000.' })
      .int('Use whole minor units (cents).')
      .min(0, 'A commitment cannot be negative.')
      .max(100_000_000_000, 'That commitment is too large.')
      .openapi({ description: 'The least the tenant pays per month for usage, in minor units of its currency; a shortfall is billed as a top-up' }),
    dedicatedSeats: z
      .number({ message: 'Enter a whole number of seats.' })
      .int('Enter a whole number of seats.')
      .min(0, 'Seats cannot be negative.')
      .max(10_000, 'That is more seats than a call center has.')
      .openapi({ description: 'Operators reserved for the tenant, billed monthly at the seat price' }),
  })
  .openapi('BillingAccountInput', { example: { minimumCommitmentMinor: 150000, dedicatedSeats: 2 } });
export type BillingAccountInput = z.output<typeof BillingAccountInputSchema>;

export const BillingAccountSchema = z
  .object({
    currency: z.string(),
    minimumCommitmentMinor: z.number().int(),
    dedicatedSeats: z.number().int(),
    provider: z.enum(['none', 'stripe']).openapi({ description: 'Where invoices come from: kept locally (none) or Stripe' }),
    pastDueSince: z.string().nullable(),
    graceEndsAt: z.string().nullable().openapi({ description: 'pastDueSince + the grace period; after it the provider may suspend the tenant' }),
    stripeCustomerId: z.string().nullable(),
    subscriptionStatus: z.string().nullable(),
  })
  .openapi('BillingAccount');
export type BillingAccount = z.output<typeof BillingAccountSchema>;

export interface AccountContext {
  provider: 'none' | 'stripe';
  graceDays: number;
}

export async function loadBillingAccount(tx: TenantTx, tenant: Pick<Tenant, 'currency'>, context: AccountContext): Promise<BillingAccount> {
  const row = await tx.selectFrom('billingAccounts').selectAll().executeTakeFirst();
  const pastDueSince = row?.pastDueSince ? new Date(row.pastDueSince) : null;
  return {
    currency: tenant.currency,
    minimumCommitmentMinor: Number(row?.minimumCommitmentMinor ?? 0),
    dedicatedSeats: row?.dedicatedSeats ?? 0,
    provider: context.provider,
    pastDueSince: pastDueSince?.toISOString() ?? null,
    graceEndsAt: pastDueSince ? new Date(pastDueSince.getTime() + context.graceDays * DAY_MS).toISOString() : null,
    stripeCustomerId: row?.stripeCustomerId ?? null,
    subscriptionStatus: row?.subscriptionStatus ?? null,
  };
}

/** Whether the tenant has a billing account row (tenant files export a `billing` section only then). */
export async function hasBillingAccount(tx: TenantTx): Promise<boolean> {
  return !!(await tx.selectFrom('billingAccounts').select('tenantId').executeTakeFirst());
}

/** Sets the commitment and seats, with a `billing_account.changed` audit row; the same values again write nothing. */
export async function setBillingAccount(
  tx: TenantTx,
  tenant: Pick<Tenant, 'id'>,
  actor: Actor | null,
  input: BillingAccountInput,
  now: Date,
): Promise<{ changed: boolean; before: BillingAccountInput }> {
  const row = await tx.selectFrom('billingAccounts').select(['minimumCommitmentMinor', 'dedicatedSeats']).executeTakeFirst();
  const before = { minimumCommitmentMinor: Number(row?.minimumCommitmentMinor ?? 0), dedicatedSeats: row?.dedicatedSeats ?? 0 };
  const after = { minimumCommitmentMinor: input.minimumCommitmentMinor, dedicatedSeats: input.dedicatedSeats };
  if (row && before.minimumCommitmentMinor === after.minimumCommitmentMinor && before.dedicatedSeats === after.dedicatedSeats) return { changed: false, before };
  const updatedBy = actor?.label ?? 'system';
  await tx
    .insertInto('billingAccounts')
    .values({ tenantId: tenant.id, ...after, updatedAt: now, updatedBy })
    .onConflict((oc) => oc.column('tenantId').doUpdateSet({ ...after, updatedAt: now, updatedBy }))
    .execute();
  await writeAudit(tx, tenant.id, actor, { action: 'billing_account.changed', targetType: 'billing_account', targetId: tenant.id, before: row ? before : null, after });
  return { changed: true, before };
}

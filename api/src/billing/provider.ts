import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { noBilling } from './none.ts';

/**
 * Where invoices come from (issue 5). `none`: statements are closed and invoiced locally, nothing
 * leaves the process. `stripe`: every tenant is a Stripe customer with a subscription; usage leaves
 * through the outbox and invoices come back through the webhook. Chosen once per process from the
 * config (STRIPE_SECRET_KEY).
 */
export interface BillingProvider {
  readonly kind: 'none' | 'stripe';
  /** Called once a tenant's period is closed and its statement frozen, outside any transaction. */
  periodClosed(db: Kysely<DB>, tenantId: string, period: string): Promise<void>;
}

/** The process's billing provider: `none` unless the app was given another (tests and start.ts do). */
export function billingOf(deps: { billing?: BillingProvider | undefined; now: () => Date }): BillingProvider {
  return deps.billing ?? noBilling(deps.now);
}

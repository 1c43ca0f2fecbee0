import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import { withTenant, type DB } from '@switchboard/db';
import type { BillingProvider } from '../provider.ts';
import { StripeCatalog } from './catalog.ts';
import { createStripeClient } from './client.ts';
import type { StripeDeps } from './deps.ts';
import { startOutboxWorker } from './outbox-worker.ts';
import { COMMITMENT_TOP_UP_EVENT } from './subscription.ts';

export interface StripeBilling extends BillingProvider, StripeDeps {
  readonly kind: 'stripe';
  /** Verifies webhooks; without it the webhook answers 503. */
  readonly webhookSecret: string | undefined;
  /** Tenant → the UTC day its subscription was last brought up to date by this process's worker. */
  readonly reconciled: Map<string, string>;
  /** Starts this process's outbox worker; returns stop. */
  startWorker(options?: { intervalMs?: number }): () => Promise<void>;
}

export interface StripeBillingOptions {
  db: Kysely<DB>;
  now: () => Date;
  secretKey: string;
  webhookSecret?: string | undefined;
  apiUrl?: string | undefined;
  /** An SDK client of one's own (tests may share one); else built from the key and URL. */
  stripe?: Stripe;
}

/** A stable uuid for a tenant's period, so closing the period twice queues its top-up once. */
export function topUpOutboxId(tenantId: string, period: string): string {
  const hex = createHash('sha256').update(`commitment_top_up:${tenantId}:${period}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Stripe as the billing provider. Usage reaches Stripe through the outbox (recordUsage writes a row per
 * billed event); a closed period adds its commitment top-up to the outbox. Stripe makes the invoice
 * and tells us through the webhook (webhook.ts).
 */
export function stripeBilling(options: StripeBillingOptions): StripeBilling {
  const stripe = options.stripe ?? createStripeClient({ secretKey: options.secretKey, apiUrl: options.apiUrl });
  const billing: StripeBilling = {
    kind: 'stripe',
    db: options.db,
    now: options.now,
    stripe,
    catalog: new StripeCatalog(stripe),
    webhookSecret: options.webhookSecret,
    reconciled: new Map(),
    async periodClosed(db: Kysely<DB>, tenantId: string, period: string) {
      await withTenant(db, tenantId, async (tx) => {
        const statement = await tx.selectFrom('statements').select('periodEnd').where('period', '=', period).executeTakeFirst();
        if (!statement) throw new Error(`No closed statement for ${period}: close the period before reporting it.`);
        const lines = await tx
          .selectFrom('statementLines')
          .select('amountMinor')
          .where('period', '=', period)
          .where('kind', '=', 'commitment_top_up')
          .execute();
        const topUp = lines.reduce((sum, line) => sum + Number(line.amountMinor), 0);
        if (topUp <= 0) return;
        await tx
          .insertInto('billingOutbox')
          .values({
            tenantId,
            id: topUpOutboxId(tenantId, period),
            kind: 'meter_event',
            eventName: COMMITMENT_TOP_UP_EVENT,
            value: topUp,
            // The period's last second: the worker times the event inside the period's Stripe cycle.
            occurredAt: new Date(new Date(statement.periodEnd).getTime() - 1000),
            nextAttemptAt: options.now(),
          })
          .onConflict((oc) => oc.columns(['tenantId', 'id']).doNothing())
          .execute();
      });
    },
    startWorker: (worker = {}) => startOutboxWorker({ ...billing, reconciled: billing.reconciled, ...worker }),
  };
  return billing;
}

export function isStripeBilling(provider: BillingProvider): provider is StripeBilling {
  return provider.kind === 'stripe';
}

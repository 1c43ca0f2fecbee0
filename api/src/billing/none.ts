import { sql, type Kysely } from 'kysely';
import { newId, withTenant, type DB } from '@switchboard/db';
import type { BillingProvider } from './provider.ts';
import { periodLabel } from './rating.ts';

/** Local invoices are due this many days after they are issued. */
export const LOCAL_INVOICE_DUE_DAYS = 14;

/** `PIZZA-NAPOLI-202611`: the tenant's slug and the period, so the number says whose and which month. */
export function localInvoiceNumber(slug: string, period: string): string {
  return `${slug.toUpperCase()}-${periodLabel(period).replace('-', '')}`;
}

/**
 * No payment provider: a closed statement becomes one local invoice for its total (open; paid at once
 * when the total is zero). Writing it
 * twice (a close job retried) finds the first one: one local invoice per period, by a unique index.
 */
export function noBilling(now: () => Date): BillingProvider {
  return {
    kind: 'none',
    async periodClosed(db: Kysely<DB>, tenantId: string, period: string) {
      await withTenant(db, tenantId, async (tx) => {
        const statement = await tx
          .selectFrom('statements')
          .innerJoin('tenants', 'tenants.id', 'statements.tenantId')
          .select(['statements.currency', 'statements.periodStart', 'statements.periodEnd', 'statements.totalMinor', 'tenants.slug'])
          .where('statements.period', '=', period)
          .executeTakeFirst();
        if (!statement) throw new Error(`No closed statement for ${periodLabel(period)}: close the period before invoicing it.`);
        const issuedAt = now();
        await tx
          .insertInto('invoices')
          .values({
            tenantId,
            id: newId(),
            source: 'local',
            number: localInvoiceNumber(statement.slug, period),
            period,
            periodStart: statement.periodStart,
            periodEnd: statement.periodEnd,
            currency: statement.currency,
            amountDueMinor: Number(statement.totalMinor),
            amountPaidMinor: 0,
            // Nothing to pay (no usage, no fee): settled as issued rather than shown as owed.
            status: Number(statement.totalMinor) > 0 ? 'open' : 'paid',
            paidAt: Number(statement.totalMinor) > 0 ? null : issuedAt,
            issuedAt,
            dueAt: new Date(issuedAt.getTime() + LOCAL_INVOICE_DUE_DAYS * 86_400_000),
          })
          // The partial index's predicate as a literal: with a bind parameter, PostgreSQL's generic plan (from the
          // sixth execution on a connection) cannot match the index and refuses the insert.
          .onConflict((oc) => oc.columns(['tenantId', 'period']).where('source', '=', sql.lit('local')).doNothing())
          .execute();
      });
    },
  };
}

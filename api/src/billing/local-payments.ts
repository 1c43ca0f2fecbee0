import type { TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';
import { conflict, notFound } from '../http/problem.ts';

/**
 * Without Stripe, invoices are local and the provider is paid outside Switchboard (a transfer, a
 * cheque): a provider admin records the payment, and the invoice shows paid. Stripe's invoices are
 * Stripe's to settle (webhook), so only a local, open invoice can be marked paid.
 */
export async function recordLocalPayment(tx: TenantTx, tenantId: string, actor: Actor, invoiceId: string, paidAt: Date): Promise<void> {
  const invoice = await tx.selectFrom('invoices').select(['id', 'source', 'status', 'number', 'amountDueMinor']).where('id', '=', invoiceId).forUpdate().executeTakeFirst();
  if (!invoice) throw notFound('This client company has no such invoice.');
  if (invoice.source !== 'local') throw conflict('invoice.stripe', 'This invoice is Stripe’s: its payment is recorded when Stripe reports it.');
  if (invoice.status !== 'open') throw conflict('invoice.not_open', `Invoice ${invoice.number ?? invoice.id} is ${invoice.status}: only an open invoice can be marked paid.`, { invoice: invoice.number ?? invoice.id, status: invoice.status });
  await tx
    .updateTable('invoices')
    .set({ status: 'paid', amountPaidMinor: Number(invoice.amountDueMinor), paidAt, updatedAt: paidAt })
    .where('id', '=', invoiceId)
    .execute();
  await writeAudit(tx, tenantId, actor, {
    action: 'invoice.paid',
    targetType: 'invoice',
    targetId: invoiceId,
    before: { status: invoice.status },
    after: { status: 'paid', paidAt: paidAt.toISOString(), amountPaidMinor: Number(invoice.amountDueMinor) },
  });
}

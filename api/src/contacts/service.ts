import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { jsonb, newId, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { invalid, notFound, fieldError, type FieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { EVENTS_CHANNEL, publish } from '../events/publish.ts';
import { applyRules } from '../rules/visibility.ts';
import type { Rules } from '../rules/definition.ts';
import { PhoneInputSchema, normalizePhone, optionalFreeText } from '../records/common.ts';
import { typedIdentifier } from '../http/validators.ts';

/**
 * Customers (the portal calls them contacts): one per phone number per tenant, created or updated by
 * that number. Every answer is masked for its viewer by the tenant's rules (applyRules).
 */

export const customerFields = {
  name: optionalFreeText(200),
  email: z
    .union([z.email('Enter an email address such as name@example.com.').max(254), z.literal('')])
    .transform((v) => v || null)
    .nullable()
    .optional(),
  address: optionalFreeText(500),
  birthDate: z
    .union([z.iso.date({ error: 'Use a date as YYYY-MM-DD.' }), z.literal('')])
    .transform((v) => v || null)
    .nullable()
    .optional(),
  // An account number is an identifier: redacting would destroy it, so one that holds a card number is
  // refused (an IBAN is not a card number). The rules make it sensitive, so answers mask it.
  accountNumber: typedIdentifier(64)
    .transform((v) => v || null)
    .nullable()
    .optional(),
  /** Only ever stored as what card-number redaction leaves (•••• 1234): never a whole card number. */
  cardNumber: optionalFreeText(32),
};

/**
 * A customer as captured. The phone may be left out only for the caller of a call (the record names the
 * call): it is then the call's number, which an operator may see only masked.
 */
export const CustomerInputSchema = z
  .object({
    phone: PhoneInputSchema.optional().openapi({ description: "Required, except for the caller of the call the record names: then the call's number" }),
    ...customerFields,
  })
  .openapi('CustomerInput', {
  example: { phone: '+33 6 12 34 56 78', name: 'Marie Dupont', email: 'marie.dupont@example.fr', address: '12 rue de la Paix, 75002 Paris' },
});
export type CustomerInput = z.output<typeof CustomerInputSchema>;

export const CustomerPatchSchema = z.object({ phone: PhoneInputSchema.optional(), ...customerFields }).openapi('CustomerPatch', {
  example: { name: 'Marie Dupont-Martin', address: '3 avenue Foch, 75016 Paris' },
});
export type CustomerPatch = z.output<typeof CustomerPatchSchema>;

const masked = z.string().nullable();
export const CustomerSchema = z
  .object({
    id: z.uuid(),
    phone: masked,
    name: masked,
    email: masked,
    address: masked,
    birthDate: masked,
    accountNumber: masked,
    cardNumber: masked,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Customer', { description: "Sensitive fields are masked for the viewer by the tenant's rules (•••• •••• / •••• 1234 / null)" });
export type CustomerJson = z.infer<typeof CustomerSchema>;

export const CustomerBriefSchema = z.object({ id: z.uuid(), name: masked, phone: masked }).openapi('CustomerBrief');

const columns = ['id', 'phone', 'name', 'email', 'address', 'birthDate', 'accountNumber', 'cardNumber', 'createdAt', 'updatedAt'] as const;
export const customerSelection = (tx: TenantTx) => tx.selectFrom('customers').select(columns);
type CustomerRow = Awaited<ReturnType<ReturnType<typeof customerSelection>['executeTakeFirstOrThrow']>>;

export function customerToJson(row: CustomerRow, rules: Rules, viewer: UserKind): CustomerJson {
  const { createdAt, updatedAt, ...fields } = row;
  return { ...applyRules(fields, 'customer', rules, viewer), createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}

export function customerBrief(row: { id: string; name: string | null; phone: string }, rules: Rules, viewer: UserKind) {
  return applyRules({ id: row.id, name: row.name, phone: row.phone }, 'customer', rules, viewer);
}

// A phone number as the caller's line reads it (calls, callbacks): masked by the rules' one helper.
export { maskPhone } from '../rules/viewer.ts';

/** A customer captured on a call without a phone is its caller: the call's number fills it in. */
export const withCallerPhone = (customer: CustomerInput, callerNumber: string | null): CustomerInput =>
  customer.phone || !callerNumber ? customer : { ...customer, phone: callerNumber };

/** The caller's number of one of the tenant's calls (null: no such call), for a customer captured on it. */
export async function callerNumberOf(tx: TenantTx, callId: string): Promise<string | null> {
  const call = await tx.selectFrom('calls').select('callerNumber').where('id', '=', callId).executeTakeFirst();
  return call?.callerNumber ?? null;
}

export async function findCustomer(tx: TenantTx, id: string): Promise<CustomerRow | undefined> {
  return customerSelection(tx).where('id', '=', id).executeTakeFirst();
}


/** The phone in E.164, or an error at `path`. */
export function phoneOrError(input: string, tenant: Pick<Tenant, 'locale'>, path: string, errors: FieldError[]): string | null {
  const phone = normalizePhone(input, tenant.locale);
  if (!phone) errors.push(fieldError(path, 'phone', 'Enter a valid phone number, with its country code (+33…) if it is not a local one.'));
  return phone;
}

/** A card number typed into the card field is kept as its last four; anything else there is refused rather than stored. */
export function cardFieldErrors(value: string | null | undefined, path: string): FieldError[] {
  if (value === null || value === undefined) return [];
  return /^(?:•••• )?\d{4}$/.test(value)
    ? []
    : [fieldError(path, 'card_last_four', 'Enter a payment card number (only its last four digits are kept).')];
}

/** The columns of the fields a capture may set (a fixed list: they are written into the statement's text). */
const customerColumn = { name: 'name', email: 'email', address: 'address', birthDate: 'birth_date', accountNumber: 'account_number', cardNumber: 'card_number' } as const;

const changes = (input: Omit<CustomerPatch, 'phone'>) =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<Record<keyof typeof customerFields, string | null>>;

/**
 * Creates the customer with this phone number, or updates the one that has it with the fields given
 * (fields left out stay as they are), with its audit row (auditCustomer's, the fields the actor gave)
 * and its event: ONE statement, so two concurrent captures of the same number make one customer.
 * Errors are pushed (with `path` prefixed) for the caller to refuse together; nothing is written then.
 */
export async function upsertCustomer(
  tx: TenantTx,
  tenant: Pick<Tenant, 'id' | 'locale'>,
  input: CustomerInput,
  now: Date,
  audit: { actor: Actor; fields: string[] },
  prefix = '',
  errors: FieldError[] = [],
): Promise<{ id: string; created: boolean } | null> {
  const { phone: rawPhone, ...fields } = input;
  const phone = rawPhone ? phoneOrError(rawPhone, tenant, `${prefix}phone`, errors) : null;
  if (!rawPhone) errors.push(fieldError(`${prefix}phone`, 'required', 'Enter a phone number.'));
  errors.push(...cardFieldErrors(fields.cardNumber, `${prefix}cardNumber`));
  if (!phone || errors.length) return null;
  const set = (Object.entries(changes(fields)) as [keyof typeof customerColumn, string | null][]).filter(([k]) => Object.hasOwn(customerColumn, k));
  const names = set.map(([k]) => sql.raw(customerColumn[k]));
  const values = set.map(([, v]) => sql`${v}`);
  // Written as SQL: built with the query builder, this statement cost Node more CPU than the database's work.
  const { rows } = await sql<{ id: string; created: boolean }>`
    with c as (
      insert into customers (tenant_id, id, phone, ${sql.join([...names, sql`created_at`, sql`updated_at`])})
      values (${tenant.id}, ${newId()}, ${phone}, ${sql.join([...values, sql`${now}`, sql`${now}`])})
      on conflict (tenant_id, phone) do update set ${sql.join([...set.map(([k, v]) => sql`${sql.raw(customerColumn[k])} = ${v}`), sql`updated_at = ${now}`])}
      returning tenant_id, id, (xmax = 0) as created),
    audit as (
      -- auditCustomer's row: what changed, not the values.
      insert into audit_log (tenant_id, id, actor_id, actor_label, action, target_type, target_id, before, after)
      select c.tenant_id, ${newId()}, ${audit.actor.id}, ${audit.actor.label}, case when c.created then 'customer.created' else 'customer.updated' end,
        'customer', c.id::text, null::jsonb, ${jsonb({ fields: [...audit.fields].sort() })}
      from c)
    -- publish()'s event, sent at commit like every NOTIFY.
    select c.id, c.created, pg_notify(${EVENTS_CHANNEL}, json_build_object('kind', 'record', 'tenantId', c.tenant_id, 'recordType', 'customer', 'recordId', c.id)::text) as notified
    from c`.execute(tx);
  const row = rows[0]!;
  return { id: row.id, created: row.created };
}

/** Audit rows name what changed, not the values: the audit trail must not become a copy of personal data. */
export async function auditCustomer(tx: TenantTx, tenantId: string, actor: Actor, id: string, created: boolean, fields: string[]) {
  await writeAudit(tx, tenantId, actor, {
    action: created ? 'customer.created' : 'customer.updated',
    targetType: 'customer',
    targetId: id,
    after: { fields: fields.sort() },
  });
  await publish(tx, { kind: 'record', tenantId, recordType: 'customer', recordId: id });
}

export async function patchCustomer(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'locale'>, actor: Actor, id: string, input: CustomerPatch, now: Date) {
  const before = await findCustomer(tx, id);
  if (!before) throw notFound();
  const errors: FieldError[] = [];
  const { phone: rawPhone, ...fields } = input;
  const phone = rawPhone === undefined ? undefined : phoneOrError(rawPhone, tenant, 'phone', errors);
  errors.push(...cardFieldErrors(fields.cardNumber, 'cardNumber'));
  if (phone && phone !== before.phone) {
    const taken = await tx.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirst();
    if (taken) errors.push(fieldError('phone', 'customer.phone_taken', 'Another customer already has this phone number.'));
  }
  if (errors.length) throw invalid(errors);
  const set = { ...changes(fields), ...(phone ? { phone } : {}) };
  await tx.updateTable('customers').set({ ...set, updatedAt: now }).where('id', '=', id).execute();
  await auditCustomer(tx, tenant.id, actor, id, false, Object.keys(set));
}

export interface CustomerFilter {
  phone?: string | undefined;
  q?: string | undefined;
  limit: number;
  cursor: { at: Date; id: string } | null;
}

/**
 * Customers, newest first. `q` looks in the name, email and phone — only those the rules do not make
 * sensitive, so a search cannot be used to confirm a masked value.
 */
export async function listCustomers(tx: TenantTx, tenant: Pick<Tenant, 'locale'>, rules: Rules, filter: CustomerFilter) {
  let query = customerSelection(tx);
  if (filter.phone) {
    const phone = normalizePhone(filter.phone, tenant.locale);
    if (!phone) throw invalid([fieldError('phone', 'phone', 'Enter a valid phone number.')]);
    query = query.where('phone', '=', phone);
  }
  if (filter.q) {
    const searchable = (['name', 'email', 'phone'] as const).filter((f) => rules.classification[`customer.${f}`] !== 'sensitive');
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or(searchable.map((f) => eb(f, 'ilike', like))));
  }
  if (filter.cursor) {
    const { at, id } = filter.cursor;
    query = query.where((eb) => eb.or([eb('createdAt', '<', at), eb.and([eb('createdAt', '=', at), eb('id', '<', id)])]));
  }
  return query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(filter.limit + 1).execute();
}


import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { jsonb, type TenantTx } from '@switchboard/db';
import { ProblemError } from '../http/problem.ts';

/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for the creations a retry must not
 * repeat: orders, complaints, customers. The key is claimed by the request's first statement (an
 * insert that a concurrent duplicate waits on until the first commits or rolls back), so two
 * concurrent retries make one record. Only what was created is kept — its id and status, not the
 * body — and a replay renders that record again for whoever asks, masked for them: a stored
 * response would replay one viewer's view of sensitive fields to another.
 */

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .trim()
    .min(1, 'An Idempotency-Key cannot be empty.')
    .max(200, 'Keep the Idempotency-Key under 200 characters.')
    .optional()
    .openapi({
      description: 'A unique value per intended creation (a UUID): a retry with the same key and body answers the first result; another body → 422',
      example: '0b6e5f0e-4f7a-4c39-9a59-6d1f1b1b2c3d',
    }),
});

export interface Created {
  status: 200 | 201;
  id: string;
}

export interface IdempotentResult extends Created {
  replayed: boolean;
}

/** JSON with object keys sorted, so the same body hashes the same whatever order its keys came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

export const keyReused = () =>
  new ProblemError(
    422,
    'idempotency-key-reused',
    'Idempotency-Key reused',
    'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
  );

/**
 * Runs `create` once per (tenant, scope, key). Without a key it just runs. A retry with the same body
 * gets the first result's id and status (replayed); with another body, 422. A failed creation leaves
 * no key behind (its transaction rolls back), so the client may retry it.
 */
export async function idempotent(
  tx: TenantTx,
  tenantId: string,
  scope: string,
  key: string | undefined,
  body: unknown,
  create: () => Promise<Created>,
): Promise<IdempotentResult> {
  if (!key) return { ...(await create()), replayed: false };
  const hash = requestHash(body);
  const claimed = await tx
    .insertInto('idempotencyKeys')
    .values({ tenantId, scope, key, requestHash: hash, responseStatus: 0, responseBody: jsonb(null) })
    .onConflict((oc) => oc.columns(['tenantId', 'scope', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) {
    const row = await tx
      .selectFrom('idempotencyKeys')
      .select(['requestHash', 'responseStatus', 'responseBody'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (row.requestHash !== hash) throw keyReused();
    const stored = row.responseBody as { id?: string } | null;
    if (!stored?.id || (row.responseStatus !== 200 && row.responseStatus !== 201)) {
      throw new ProblemError(409, 'idempotency-key-in-use', 'Request in progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    return { status: row.responseStatus, id: stored.id, replayed: true };
  }
  const result = await create();
  // The app role may insert and delete keys but not update them (they are append-only once final):
  // the claim is swapped for the result inside the same transaction, so no one ever sees the claim.
  await tx.deleteFrom('idempotencyKeys').where('scope', '=', scope).where('key', '=', key).execute();
  await tx
    .insertInto('idempotencyKeys')
    .values({ tenantId, scope, key, requestHash: hash, responseStatus: result.status, responseBody: jsonb({ id: result.id }) })
    .execute();
  return { ...result, replayed: false };
}

/** The header a replayed answer carries, so a client can tell. */
export const replayHeaders = (result: IdempotentResult): Record<string, string> => (result.replayed ? { 'idempotent-replayed': 'true' } : {});

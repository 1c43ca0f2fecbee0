import type { Tenant } from '@switchboard/db';
import type { Client } from './http.ts';
import { apiOperations, isUnsafe, urlFor, type ApiOperation } from './openapi.ts';
import type { App } from './harness.ts';

/**
 * Gives every tenant table rows in each tenant the way users would: every documented write that
 * needs nothing but the tenant, with its example body, then a published script (scripts are
 * addressed by function). Tables that later routes write to get rows without editing the suites
 * that need them. Outcomes vary (an example may collide with itself); callers check the rows.
 */
export async function writeThroughDocumentedRoutes(app: App, admin: Client, tenants: Tenant[]): Promise<ApiOperation[]> {
  const operations = await apiOperations(app);
  const writes = operations.filter(
    (op) => isUnsafe(op) && op.method !== 'DELETE' && op.path.startsWith('/api/t/{tenant}/') && op.pathParams.length === 1,
  );
  for (const op of writes) {
    // An Idempotency-Key on every write (routes that take none ignore it), so idempotency_keys gets rows too.
    const headers = { 'idempotency-key': `fill ${op.method} ${op.path}` };
    for (const tenant of tenants) await admin.request(op.method, urlFor(op, { tenant: tenant.slug }), op.body, headers);
  }
  const scriptDraft = operations.find((op) => op.method === 'PUT' && op.path === '/api/t/{tenant}/scripts/{function}/draft')?.body;
  for (const tenant of tenants) {
    const saved = await admin.put(`/api/t/${tenant.slug}/scripts/information/draft`, scriptDraft);
    if (saved.status !== 200) throw new Error(`Saving the example script draft failed: ${saved.status} ${saved.text}`);
    const published = await admin.post(`/api/t/${tenant.slug}/scripts/information/publish`);
    if (published.status !== 201) throw new Error(`Publishing the example script failed: ${published.status} ${published.text}`);
  }
  // Delegations are set per function: keep one in-house in both tenants with the documented example.
  const delegation = operations.find((op) => op.method === 'PUT' && op.path === '/api/t/{tenant}/delegations/{function}')?.body;
  for (const tenant of tenants) {
    const kept = await admin.put(`/api/t/${tenant.slug}/delegations/complaints`, delegation);
    if (kept.status !== 200) throw new Error(`Keeping complaints in-house failed: ${kept.status} ${kept.text}`);
  }
  return operations;
}

import type { Kysely } from 'kysely';
import { Document, isMap, isSeq, visit } from 'yaml';
import { withApp, withTenant, type DB } from '@switchboard/db';
import { listDelegations, loadHours } from '@switchboard/api';
import { hasSavedRules, loadRules } from '@switchboard/api';
import { callHandling, ivr, storedRouting } from '@switchboard/api';
import { exportScriptSections } from './export-scripts.ts';
import { exportCatalog } from './catalog.ts';
import { exportBilling } from './billing.ts';
import { exportDirectory } from './directory.ts';
import { exportContract } from './contract.ts';
import { exportQualityForms } from './quality-forms.ts';
import type { TenantDefinition } from './format.ts';

const byEmail = (a: { email: string }, b: { email: string }) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);

/**
 * A tenant as a definition, in the normalized form the parser produces (lists ordered by email,
 * skills sorted), so that exporting, parsing and applying again changes nothing. The status is
 * always written: it is the tenant's state at the time of the export.
 */
export async function exportTenant(db: Kysely<DB>, slug: string, options: { now?: Date } = {}): Promise<TenantDefinition | null> {
  const now = options.now ?? new Date();
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst());
  if (!tenant) return null;
  return withTenant(db, tenant.id, async (tx) => {
    const members = await tx
      .selectFrom('tenantMembers')
      .innerJoin('users', 'users.id', 'tenantMembers.userId')
      .select(['users.email', 'users.displayName', 'tenantMembers.role'])
      .execute();
    const operators = await tx
      .selectFrom('operatorAssignments')
      .innerJoin('users', 'users.id', 'operatorAssignments.operatorId')
      .select(['users.email', 'operatorAssignments.skills', 'operatorAssignments.routing', 'operatorAssignments.confidentialityAgreementSignedAt'])
      .execute();
    const hours = await loadHours(tx);
    const scriptSections = await exportScriptSections(tx);
    const catalog = await exportCatalog(tx);
    // Rules only once the tenant has saved some, so applying the export to a tenant on defaults changes nothing.
    const rules = (await hasSavedRules(tx)) ? await loadRules(tx) : null;
    // Only the functions the tenant has set (a row exists); the others are left out, as apply leaves them alone.
    const chosen = (await listDelegations(tx, tenant, now)).functions.filter((f) => f.updatedAt !== null);
    const delegations = Object.fromEntries(
      chosen.map((f) => [f.function, { delegated: f.delegated, inHouse: f.inHouse, expectedMonthlyVolume: f.expectedMonthlyVolume }]),
    );
    // A tenant that has set no hours exports no section, so applying the export leaves hours alone.
    // Settings only once saved, numbers only when there are some: applying the export changes nothing.
    const callSettings = (await callHandling.hasSavedCallSettings(tx)) ? (await callHandling.loadCallSettings(tx)).settings : null;
    const numbers = (await callHandling.listPhoneNumbers(tx)).map((n) => ({ number: n.number, function: n.function, label: n.label }));
    const menus = (await ivr.listMenus(tx)).flatMap((m) => (m.definition ? [{ number: m.number, enabled: m.enabled, definition: m.definition }] : []));
    const billing = await exportBilling(tx, tenant, now);
    const directory = await exportDirectory(tx);
    const contract = await exportContract(tx);
    const qualityForms = await exportQualityForms(tx);
    const hasHours = hours.schedules.length > 0 || hours.overrides.length > 0 || hours.functionSchedules.length > 0;
    return {
      tenant: {
        slug: tenant.slug,
        name: tenant.name,
        legalName: tenant.legalName,
        timeZone: tenant.timeZone,
        locale: tenant.locale,
        currency: tenant.currency,
        status: tenant.status,
        brandColor: tenant.brandColor,
      },
      clientUsers: members.map((m) => ({ email: m.email, displayName: m.displayName, role: m.role })).sort(byEmail),
      operators: operators
        .map((o) => {
          const routing = storedRouting(o.routing);
          return {
            email: o.email,
            skills: [...new Set(o.skills)].sort(),
            ...(Object.keys(routing).length ? { routing } : {}),
            ...(o.confidentialityAgreementSignedAt ? { agreementSignedAt: o.confidentialityAgreementSignedAt.toISOString() } : {}),
          };
        })
        .sort(byEmail),
      ...(hasHours ? { hours } : {}),
      ...scriptSections,
      ...(catalog ? { catalog } : {}),
      ...(chosen.length ? { delegations } : {}),
      ...(rules ? { rules } : {}),
      ...(callSettings || numbers.length
        ? { callHandling: { ...(callSettings ? { settings: callSettings } : {}), ...(numbers.length ? { numbers } : {}), ...(menus.length ? { menus } : {}) } }
        : {}),
      ...(billing ? { billing } : {}),
      ...(directory ? { directory } : {}),
      ...(contract ? { contract } : {}),
      ...(qualityForms ? { qualityForms } : {}),
    };
  });
}

const hoursIntervalKeys = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'intervals']);

/** The YAML text of a tenant definition, as `tenants:export` writes it. */
export function tenantToYaml(definition: TenantDefinition): string {
  const doc = new Document(definition);
  doc.commentBefore = ` Tenant ${definition.tenant.slug} (format: tenants/README.md). Apply with: pnpm tenants:apply <this file>`;
  // Skill lists read best on one line: `skills: [information, order_taking]`.
  visit(doc, {
    Pair(_, pair) {
      if ((pair.key as { value?: unknown }).value === 'skills' && isSeq(pair.value)) pair.value.flow = true;
      // Hours: each day's intervals on one line, `mon: [{start: "11:00", end: "14:30"}]`.
      if (hoursIntervalKeys.has(String((pair.key as { value?: unknown }).value)) && isSeq(pair.value)) pair.value.flow = true;
      if ((pair.key as { value?: unknown }).value === 'afterHours' && isMap(pair.value)) pair.value.flow = true;
      // Routing: one skill per line, `order_taking: {priority: 1, delaySeconds: 0}`; numbers likewise.
      if ((pair.key as { value?: unknown }).value === 'routing' && isMap(pair.value)) pair.value.items.forEach((item) => isMap(item.value) && (item.value.flow = true));
      if ((pair.key as { value?: unknown }).value === 'numbers' && isSeq(pair.value)) pair.value.items.forEach((item) => isMap(item) && (item.flow = true));
      if ((pair.key as { value?: unknown }).value === 'complaintDueDays' && isMap(pair.value)) pair.value.flow = true;
      if ((pair.key as { value?: unknown }).value === 'overrides' && isSeq(pair.value)) pair.value.items.forEach((item) => isMap(item) && (item.flow = true));
      // Billing prices: one version per line, `{function: order_taking, metric: order, unitPriceMinor: 100}`.
      if ((pair.key as { value?: unknown }).value === 'prices' && isSeq(pair.value)) pair.value.items.forEach((item) => isMap(item) && (item.flow = true));
    },
    // Times and dates quoted, so no YAML 1.1 reader takes 08:00 for a number.
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && /^(\d\d:\d\d|\d{4}-\d\d-\d\d)$/.test(scalar.value)) scalar.type = 'QUOTE_DOUBLE';
    },
  });
  // A blank line between the top-level sections.
  if (isMap(doc.contents)) {
    doc.contents.items.forEach((pair, index) => {
      if (index > 0 && pair.key && typeof pair.key === 'object') (pair.key as { spaceBefore?: boolean }).spaceBefore = true;
    });
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

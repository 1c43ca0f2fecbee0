import type { Kysely } from 'kysely';
import { newId, withApp, withTenant, type CallFunctionId, type DB, type ProviderStaffKind, type Tenant, type TenantTx, type TenantUpdate } from '@switchboard/db';
import {
  createUserWithTemporaryPassword,
  inviteMemberIn,
  ProblemError,
  replaceHours,
  loadBillingAccount,
  setBillingAccount,
  setDelegation,
  syncPrices,
  writeAudit,
  writePlatformAudit,
  type HoursDefinition,
} from '@switchboard/api';
import { tenantProfileFields, type ProviderDefinition, type TenantDefinition } from './format.ts';
import { applyScripts, scriptProblems } from './apply-scripts.ts';
import { replaceRules, type rules } from '@switchboard/api';
import { callHandling, ivr, normalizeRouting, storedRouting } from '@switchboard/api';
import { jsonb } from '@switchboard/db';

type Rules = rules.Rules;
import { applyCatalog, CatalogRefused } from './catalog.ts';
import { toPriceEntry } from './billing.ts';
import { applyDirectory } from './directory.ts';
import { applyContract } from './contract.ts';
import { applyQualityForms } from './quality-forms.ts';

/**
 * Applying definitions: an upsert that is idempotent and says what it did. Every write goes through
 * withTenant / withApp as the role that cannot bypass RLS, and leaves the same audit rows the API
 * would (actor null, labelled `system`). Existing accounts are never changed: their passwords and
 * names belong to the people who use them.
 */

export interface ApplyOptions {
  now?: Date;
}

/** A one-time password for an account this run created; it must be changed at first login. */
export interface IssuedPassword {
  email: string;
  kind: string;
  temporaryPassword: string;
}

export interface StaffResult {
  email: string;
  kind: ProviderStaffKind;
  outcome: 'created' | 'unchanged';
}

export interface ProviderResult {
  file?: string;
  outcome: 'applied' | 'failed';
  staff: StaffResult[];
  /** Left out: the file has no `prices` section. */
  prices?: 'changed' | 'unchanged';
  /** One line per price version added, ended or removed. */
  priceChanges: string[];
  passwords: IssuedPassword[];
  notes: string[];
  errors: string[];
}

export interface TenantResult {
  slug: string;
  file?: string;
  outcome: 'created' | 'updated' | 'unchanged' | 'failed';
  /** What changed, by the names the file uses: `name`, `status`, `clientUsers`, `operators`… */
  fields: string[];
  /** One line per change, e.g. `name: "Pizza Napoli" → "Pizza Napoli Group"`. */
  changes: string[];
  passwords: IssuedPassword[];
  /** Things apply saw and deliberately left alone. */
  notes: string[];
  /** Why nothing was applied for this tenant. */
  errors: string[];
}

export interface ApplyReport {
  provider: ProviderResult | null;
  tenants: TenantResult[];
  /** False when any tenant or the provider file failed. */
  ok: boolean;
}

/** Thrown inside a transaction to roll it back with a list of reasons. */
export class ApplyRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
    this.name = 'ApplyRefused';
  }
}

function quote(value: unknown): string {
  return value === null || value === undefined ? 'none' : JSON.stringify(value);
}

function list(skills: readonly string[]): string {
  return `[${skills.join(', ')}]`;
}

function aKind(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function sameSkills(a: readonly string[], b: readonly string[]): boolean {
  const sorted = [...new Set(a)].sort();
  return sorted.length === b.length && sorted.every((s, i) => s === b[i]);
}

/**
 * Creates the provider staff the file lists that have no account yet, each with a one-time password
 * and a platform audit row. Staff that exist are left alone (a different name or kind is noted).
 */
export async function applyProvider(
  db: Kysely<DB>,
  definition: ProviderDefinition,
  options: ApplyOptions & { file?: string } = {},
): Promise<ProviderResult> {
  const now = options.now ?? new Date();
  const result: ProviderResult = { outcome: 'applied', staff: [], priceChanges: [], passwords: [], notes: [], errors: [] };
  if (options.file) result.file = options.file;
  try {
    await withApp(db, async (tx) => {
      const emails = definition.staff.map((s) => s.email);
      const existing = emails.length
        ? await tx.selectFrom('users').select(['id', 'email', 'displayName', 'kind', 'status']).where('email', 'in', emails).execute()
        : [];
      const byEmail = new Map(existing.map((u) => [u.email, u]));
      const refused = definition.staff
        .filter((s) => {
          const kind = byEmail.get(s.email)?.kind;
          return kind === 'client_admin' || kind === 'client_member';
        })
        .map((s) => `staff: ${s.email} is a client user's account, not provider staff.`);
      if (refused.length) throw new ApplyRefused(refused);

      for (const member of definition.staff) {
        const user = byEmail.get(member.email);
        if (user) {
          result.staff.push({ email: member.email, kind: member.kind, outcome: 'unchanged' });
          if (user.kind !== member.kind) result.notes.push(`staff: ${member.email} is ${aKind(user.kind)} here, ${member.kind} in the file; existing accounts are left alone.`);
          if (user.displayName !== member.displayName) {
            result.notes.push(`staff: ${member.email} is named ${quote(user.displayName)} here, ${quote(member.displayName)} in the file; existing accounts are left alone.`);
          }
          if (user.status !== 'active') result.notes.push(`staff: ${member.email} is ${user.status}; left alone.`);
          continue;
        }
        const created = await createUserWithTemporaryPassword(tx, member, now);
        await writePlatformAudit(tx, null, {
          action: 'staff.created',
          targetType: 'user',
          targetId: created.id,
          after: { email: created.email, displayName: created.displayName, kind: created.kind },
        });
        result.staff.push({ email: member.email, kind: member.kind, outcome: 'created' });
        result.passwords.push({ email: created.email, kind: created.kind, temporaryPassword: created.temporaryPassword });
      }
      // The price list: what is in effect today and scheduled becomes the file's; the past stays as it was.
      if (definition.prices) {
        const entries = definition.prices.map((p) => toPriceEntry(p));
        result.priceChanges = await syncPrices(tx, { kind: 'list' }, null, entries, now, { manages: () => true, scheduled: true });
        result.prices = result.priceChanges.length ? 'changed' : 'unchanged';
      }
    });
  } catch (error) {
    result.outcome = 'failed';
    result.staff = [];
    result.priceChanges = [];
    result.passwords = [];
    result.errors = error instanceof ApplyRefused ? error.reasons : [(error as Error).message];
  }
  return result;
}

/**
 * Brings one tenant in line with its definition, in one tenant transaction: the tenant row, its client
 * users and its operator assignments. Anything that cannot be applied (an operator with no staff
 * account, an email that belongs to someone else) refuses the whole tenant, so it is never half-applied.
 * Client users and operators the file does not list are left alone and noted.
 */
export async function applyTenant(
  db: Kysely<DB>,
  definition: TenantDefinition,
  options: ApplyOptions & { file?: string } = {},
): Promise<TenantResult> {
  const now = options.now ?? new Date();
  const { tenant: profile } = definition;
  const result: TenantResult = { slug: profile.slug, outcome: 'unchanged', fields: [], changes: [], passwords: [], notes: [], errors: [] };
  if (options.file) result.file = options.file;
  const changed = (field: string, change: string) => {
    if (!result.fields.includes(field)) result.fields.push(field);
    result.changes.push(change);
  };

  try {
    const existing = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', profile.slug).executeTakeFirst());
    const tenantId = existing?.id ?? newId();
    await withTenant(
      db,
      tenantId,
      async (tx) => {
        // Check everything first, so a refusal names every problem at once.
        const operatorEmails = definition.operators.map((o) => o.email);
        const operatorUsers = operatorEmails.length
          ? await tx.selectFrom('users').select(['id', 'email', 'kind', 'status']).where('email', 'in', operatorEmails).execute()
          : [];
        const operatorByEmail = new Map(operatorUsers.map((u) => [u.email, u]));
        const members = await tx
          .selectFrom('tenantMembers')
          .innerJoin('users', 'users.id', 'tenantMembers.userId')
          .select(['users.id', 'users.email', 'users.displayName', 'tenantMembers.role'])
          .execute();
        const memberByEmail = new Map(members.map((m) => [m.email, m]));
        const clientEmails = definition.clientUsers.map((u) => u.email).filter((e) => !memberByEmail.has(e));
        const otherAccounts = clientEmails.length
          ? await tx.selectFrom('users').select(['email', 'kind']).where('email', 'in', clientEmails).execute()
          : [];

        const reasons: string[] = [];
        for (const { email } of definition.operators) {
          const user = operatorByEmail.get(email);
          if (!user) reasons.push(`operators: ${email} is not a provider staff account; add it to the provider file (staff) or create it first.`);
          else if (user.kind !== 'operator') reasons.push(`operators: ${email} is ${aKind(user.kind)}, not an operator.`);
          else if (user.status !== 'active') reasons.push(`operators: ${email} is ${user.status}.`);
        }
        const accountByEmail = new Map(otherAccounts.map((a) => [a.email, a]));
        for (const { email } of definition.clientUsers) {
          const account = accountByEmail.get(email);
          if (!account) continue;
          reasons.push(
            account.kind === 'client_admin' || account.kind === 'client_member'
              ? `clientUsers: ${email} already has an account that is not a client user of ${profile.slug} (a client user belongs to one tenant).`
              : `clientUsers: ${email} is ${aKind(account.kind)} account, not a client user.`,
          );
        }
        reasons.push(...(await scriptProblems(tx, definition)));
        if (reasons.length) throw new ApplyRefused(reasons);

        // The tenant row.
        if (!existing) {
          const row = await tx
            .insertInto('tenants')
            .values({
              id: tenantId,
              slug: profile.slug,
              name: profile.name,
              legalName: profile.legalName,
              timeZone: profile.timeZone,
              locale: profile.locale,
              currency: profile.currency,
              ...(profile.brandColor ? { brandColor: profile.brandColor } : {}),
              status: profile.status ?? 'active',
              createdAt: now,
              updatedAt: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await writeAudit(tx, tenantId, null, { action: 'tenant.created', targetType: 'tenant', targetId: tenantId, after: row });
          result.outcome = 'created';
        } else {
          await updateTenantRow(tx, existing, profile, now, changed);
        }

        // Client users: new ones are invited with a one-time password; existing accounts keep theirs.
        for (const user of definition.clientUsers) {
          const member = memberByEmail.get(user.email);
          if (!member) {
            const invitation = await inviteMemberIn(tx, tenantId, null, user, now);
            result.passwords.push({ email: invitation.email, kind: invitation.role, temporaryPassword: invitation.temporaryPassword });
            changed('clientUsers', `clientUsers: added ${user.email} (${user.role})`);
            continue;
          }
          if (member.role !== user.role) {
            await tx.updateTable('tenantMembers').set({ role: user.role }).where('userId', '=', member.id).execute();
            // A client user's kind mirrors its role (the account was created with it).
            await tx.updateTable('users').set({ kind: user.role, updatedAt: now }).where('id', '=', member.id).execute();
            await writeAudit(tx, tenantId, null, {
              action: 'member.role_changed',
              targetType: 'user',
              targetId: member.id,
              before: { email: member.email, role: member.role },
              after: { email: member.email, role: user.role },
            });
            changed('clientUsers', `clientUsers: ${user.email} role ${member.role} → ${user.role}`);
          }
          if (member.displayName !== user.displayName) {
            result.notes.push(
              `clientUsers: ${user.email} is named ${quote(member.displayName)} here, ${quote(user.displayName)} in the file; existing accounts are left alone.`,
            );
          }
        }
        const listed = new Set(definition.clientUsers.map((u) => u.email));
        for (const member of members) {
          if (!listed.has(member.email)) result.notes.push(`clientUsers: ${member.email} (${member.role}) is not in the file; left alone (remove it in the portal).`);
        }

        // Operator assignments.
        const assignments = await tx
          .selectFrom('operatorAssignments')
          .innerJoin('users', 'users.id', 'operatorAssignments.operatorId')
          .select(['operatorAssignments.operatorId', 'users.email', 'operatorAssignments.skills', 'operatorAssignments.routing'])
          .select('operatorAssignments.confidentialityAgreementSignedAt')
          .execute();
        const assignmentByEmail = new Map(assignments.map((a) => [a.email, a]));
        for (const operator of definition.operators) {
          const operatorId = operatorByEmail.get(operator.email)!.id;
          const current = assignmentByEmail.get(operator.email);
          const routing = normalizeRouting(operator.routing ?? {});
          if (!current) {
            await tx
              .insertInto('operatorAssignments')
              .values({ tenantId, operatorId, skills: operator.skills, routing: jsonb(routing), createdAt: now })
              .execute();
            await writeAudit(tx, tenantId, null, {
              action: 'operator.assigned',
              targetType: 'user',
              targetId: operatorId,
              after: { skills: operator.skills, routing, email: operator.email },
            });
            changed('operators', `operators: assigned ${operator.email} ${list(operator.skills)}${Object.keys(routing).length ? ` routing ${JSON.stringify(routing)}` : ''}`);
          } else {
            const currentRouting = storedRouting(current.routing);
            const skillsDiffer = !sameSkills(current.skills, operator.skills);
            const routingDiffers = JSON.stringify(currentRouting) !== JSON.stringify(routing);
            if (skillsDiffer || routingDiffers) {
              await tx.updateTable('operatorAssignments').set({ skills: operator.skills, routing: jsonb(routing) }).where('operatorId', '=', operatorId).execute();
              await writeAudit(tx, tenantId, null, {
                action: 'operator.skills_changed',
                targetType: 'user',
                targetId: operatorId,
                before: { skills: current.skills, routing: currentRouting },
                after: { skills: operator.skills, routing, email: operator.email },
              });
              if (skillsDiffer) changed('operators', `operators: ${operator.email} skills ${list(current.skills)} → ${list(operator.skills)}`);
              if (routingDiffers) changed('operators', `operators: ${operator.email} routing ${JSON.stringify(currentRouting)} → ${JSON.stringify(routing)}`);
            }
          }
          // The signed agreement, when the file manages it (the API's own audit actions).
          if (operator.agreementSignedAt !== undefined) {
            const was = current?.confidentialityAgreementSignedAt?.toISOString() ?? null;
            if (was !== operator.agreementSignedAt) {
              await tx
                .updateTable('operatorAssignments')
                .set({ confidentialityAgreementSignedAt: operator.agreementSignedAt })
                .where('operatorId', '=', operatorId)
                .execute();
              await writeAudit(tx, tenantId, null, {
                action: operator.agreementSignedAt ? 'operator.agreement_recorded' : 'operator.agreement_removed',
                targetType: 'user',
                targetId: operatorId,
                before: { agreementSignedAt: was },
                after: { agreementSignedAt: operator.agreementSignedAt },
              });
              changed('operators', `operators: ${operator.email} agreement ${quote(was)} → ${quote(operator.agreementSignedAt)}`);
            }
          }
        }
        const assigned = new Set(definition.operators.map((o) => o.email));
        for (const a of assignments) {
          if (!assigned.has(a.email)) result.notes.push(`operators: ${a.email} is assigned here but not in the file; left alone (unassign it in the portal).`);
        }

        // Hours: the file's section replaces the tenant's hours as a whole (as PUT /hours does); no section, no change.
        if (definition.hours) {
          const hours = await replaceHours(tx, tenantId, null, definition.hours);
          if (hours.changed) for (const line of hoursChanges(hours.before, hours.after)) changed('hours', line);
        }

        // The directory, before the scripts whose transfer steps name its entries.
        if (definition.directory) {
          const refused = await applyDirectory(tx, { id: tenantId, locale: profile.locale }, definition.directory, now, changed, (line) => result.notes.push(line));
          if (refused.length) throw new ApplyRefused(refused);
        }

        // Wrap-up codes, then the scripts that end with them.
        await applyScripts(tx, tenantId, definition, now, changed, (line) => result.notes.push(line));

        // The catalog: entries upserted by SKU, name or title through the API's own verbs.
        if (definition.catalog) {
          const tenantRow = { id: tenantId, locale: profile.locale, currency: profile.currency, timeZone: profile.timeZone };
          await applyCatalog(tx, tenantRow, definition.catalog, now, changed, (line) => result.notes.push(line)).catch((error: unknown) => {
            throw error instanceof CatalogRefused ? new ApplyRefused(error.reasons) : error;
          });
        }

        // Delegations last, once the scripts and hours they require are in place; every refusal is listed.
        if (definition.delegations) {
          const refused: string[] = [];
          const tenantRow = { id: tenantId, currency: profile.currency, timeZone: profile.timeZone };
          for (const [fn, choice] of Object.entries(definition.delegations)) {
            if (!choice) continue;
            try {
              const { changed: didChange, delegation } = await setDelegation(tx, tenantRow, null, fn as CallFunctionId, choice, now);
              if (didChange) {
                changed('delegations', `delegations: ${fn} ${delegation.delegated ? 'delegated' : `in-house${delegation.inHouse ? ` (${delegation.inHouse})` : ''}`}, ${delegation.expectedMonthlyVolume}/month`);
              }
            } catch (error) {
              if (!(error instanceof ProblemError) || !error.errors) throw error;
              refused.push(...error.errors.map((e) => `delegations.${fn}.${e.path}: ${e.message}`));
            }
          }
          if (refused.length) throw new ApplyRefused(refused);
        }

        // The service contract: versions saved by function and date (api/src/contracts/apply.ts).
        if (definition.contract) await applyContract(tx, tenantId, definition.contract, now, changed);
        // Quality evaluation forms: by name, a new published version when the definition differs.
        if (definition.qualityForms) await applyQualityForms(tx, tenantId, definition.qualityForms, now, changed);

        // Billing: the account's commitment and seats, then the negotiated prices (in the tenant's currency).
        if (definition.billing) await applyBilling(tx, { id: tenantId, currency: profile.currency }, definition.billing, now, changed);

        // Confidentiality rules: replaced as a whole (as PUT /rules does); no section, no change.
        if (definition.rules) {
          const replaced = await replaceRules(tx, tenantId, null, definition.rules, now);
          if (replaced.changed) for (const line of rulesChanges(replaced.before, replaced.after)) changed('rules', line);
        }

        // Call handling: settings replaced as a whole (as PUT /call-settings does), numbers made exactly the file's.
        if (definition.callHandling?.settings) {
          const replaced = await callHandling.replaceCallSettings(tx, tenantId, null, definition.callHandling.settings, now);
          if (replaced.changed) {
            for (const key of Object.keys(replaced.after) as (keyof typeof replaced.after)[]) {
              if (JSON.stringify(replaced.before[key]) !== JSON.stringify(replaced.after[key])) {
                changed('callHandling', `callHandling.settings: ${key}: ${JSON.stringify(replaced.before[key])} → ${JSON.stringify(replaced.after[key])}`);
              }
            }
            if (!result.fields.includes('callHandling')) changed('callHandling', 'callHandling.settings: saved');
          }
        }
        if (definition.callHandling?.numbers) {
          const lines = await callHandling.replacePhoneNumbers(tx, tenantId, null, definition.callHandling.numbers, now).catch((error: unknown) => {
            if (error instanceof ProblemError && error.status === 409) {
              throw new ApplyRefused((error.errors ?? [{ message: error.message }]).map((e) => `callHandling.numbers: ${e.message}`));
            }
            throw error;
          });
          for (const line of lines) changed('callHandling', `callHandling.numbers: ${line}`);
        }
        // Keypad menus: exactly the file's (saved through the ivr service: the same checks as PUT /ivr-menus).
        if (definition.callHandling?.menus) {
          const current = await ivr.listMenus(tx);
          const wanted = new Map(definition.callHandling.menus.map((m) => [m.number, m]));
          for (const menu of definition.callHandling.menus) {
            const before = current.find((c) => c.number === menu.number);
            if (!before) throw new ApplyRefused([`callHandling.menus: ${menu.number} is not one of the tenant's numbers.`]);
            if (before.definition && before.enabled === menu.enabled && canonical(before.definition) === canonical(menu.definition)) continue;
            await ivr.saveMenu(tx, tenantId, null, menu.number, { enabled: menu.enabled, definition: menu.definition }, now).catch((error: unknown) => {
              if (error instanceof ProblemError && error.status === 400) {
                throw new ApplyRefused((error.errors ?? [{ message: error.message }]).map((e) => `callHandling.menus: ${menu.number}: ${'path' in e ? `${e.path}: ` : ''}${e.message}`));
              }
              throw error;
            });
            changed('callHandling', `callHandling.menus: ${menu.number} ${before.definition ? 'changed' : 'added'}`);
          }
          for (const menu of current) {
            if (!menu.definition || wanted.has(menu.number)) continue;
            await ivr.deleteMenu(tx, tenantId, null, menu.number);
            changed('callHandling', `callHandling.menus: ${menu.number} removed`);
          }
        }

        if (result.outcome !== 'created' && result.fields.length) result.outcome = 'updated';
      },
      { actorId: null },
    );
  } catch (error) {
    return {
      ...result,
      outcome: 'failed',
      fields: [],
      changes: [],
      passwords: [],
      errors: error instanceof ApplyRefused ? error.reasons : [(error as Error).message],
    };
  }
  return result;
}

/** The `billing` section: each part the file gives is set; parts left out are left alone. */
async function applyBilling(
  tx: TenantTx,
  tenant: { id: string; currency: string },
  billing: NonNullable<TenantDefinition['billing']>,
  now: Date,
  changed: (field: string, change: string) => void,
): Promise<void> {
  if (billing.minimumCommitmentMinor !== undefined || billing.dedicatedSeats !== undefined) {
    const current = await loadBillingAccount(tx, tenant, { provider: 'none', graceDays: 0 });
    const wanted = {
      minimumCommitmentMinor: billing.minimumCommitmentMinor ?? current.minimumCommitmentMinor,
      dedicatedSeats: billing.dedicatedSeats ?? current.dedicatedSeats,
    };
    const { changed: didChange, before } = await setBillingAccount(tx, tenant, null, wanted, now);
    if (didChange) {
      for (const key of ['minimumCommitmentMinor', 'dedicatedSeats'] as const) {
        if (before[key] !== wanted[key]) changed('billing', `billing.${key}: ${before[key]} → ${wanted[key]}`);
      }
      if (before.minimumCommitmentMinor === wanted.minimumCommitmentMinor && before.dedicatedSeats === wanted.dedicatedSeats) changed('billing', 'billing: account saved');
    }
  }
  if (billing.prices) {
    const entries = billing.prices.map((p) => toPriceEntry(p, tenant.currency));
    const lines = await syncPrices(tx, { kind: 'tenant', tenant }, null, entries, now, { manages: () => true, scheduled: true });
    for (const line of lines) changed('billing', `billing.prices: ${line}`);
  }
}

/** One line per schedule, override or function whose hours differ, e.g. `hours: schedule "Kitchen" changed`. */
function hoursChanges(before: HoursDefinition, after: HoursDefinition): string[] {
  const lines: string[] = [];
  const diff = <T>(what: string, a: T[], b: T[], key: (item: T) => string) => {
    const was = new Map(a.map((item) => [key(item), JSON.stringify(item)]));
    const now = new Map(b.map((item) => [key(item), JSON.stringify(item)]));
    for (const [k, v] of now) {
      if (!was.has(k)) lines.push(`hours: ${what} ${k} added`);
      else if (was.get(k) !== v) lines.push(`hours: ${what} ${k} changed`);
    }
    for (const k of was.keys()) if (!now.has(k)) lines.push(`hours: ${what} ${k} removed`);
  };
  if (before.defaultSchedule !== after.defaultSchedule) lines.push(`hours: defaultSchedule: ${quote(before.defaultSchedule)} → ${quote(after.defaultSchedule)}`);
  diff('schedule', before.schedules, after.schedules, (s) => quote(s.name));
  diff('override', before.overrides, after.overrides, (o) => `${quote(o.label)} (${o.from === o.to ? o.from : `${o.from}..${o.to}`})`);
  diff('function', before.functionSchedules, after.functionSchedules, (f) => f.function);
  return lines.length ? lines : ['hours: replaced'];
}

/** One line per part of the rules that differs, e.g. `rules: operatorVisibility: "masked" → "last_four"`. */
function rulesChanges(before: Rules, after: Rules): string[] {
  const lines = (Object.keys(after) as (keyof Rules)[])
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => (key === 'classification' ? 'rules: classification changed' : `rules: ${key}: ${quote(before[key])} → ${quote(after[key])}`));
  return lines.length ? lines : ['rules: saved'];
}

type Profile = TenantDefinition['tenant'];

async function updateTenantRow(
  tx: TenantTx,
  existing: Tenant,
  profile: Profile,
  now: Date,
  changed: (field: string, change: string) => void,
): Promise<void> {
  const patch: TenantUpdate = {};
  for (const field of tenantProfileFields) {
    const wanted = profile[field];
    if (wanted === undefined) continue; // status left out: not managed by the file
    if (wanted !== existing[field]) {
      (patch as Record<string, unknown>)[field] = wanted;
      changed(field, `${field}: ${quote(existing[field])} → ${quote(wanted)}`);
    }
  }
  if (!Object.keys(patch).length) return;
  patch.updatedAt = now;
  if (patch.status === 'active') patch.suspendedReason = null;
  const updated = await tx.updateTable('tenants').set(patch).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
  // The same actions as the API's updateTenant, so the audit trail reads the same whoever made the change.
  const action = patch.status ? (patch.status === 'suspended' ? 'tenant.suspended' : 'tenant.reactivated') : 'tenant.updated';
  await writeAudit(tx, existing.id, null, { action, targetType: 'tenant', targetId: existing.id, before: existing, after: updated });
}

/**
 * Applies what loadDefinitions read: the provider's staff first (operators must exist before tenants
 * can be assigned them), then each tenant on its own, so one refused tenant does not stop the others.
 */
export async function applyDefinitions(
  db: Kysely<DB>,
  loaded: { provider: { file?: string; definition: ProviderDefinition } | null; tenants: { file?: string; definition: TenantDefinition }[] },
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  const now = options.now ?? new Date();
  const provider = loaded.provider
    ? await applyProvider(db, loaded.provider.definition, { ...options, now, ...(loaded.provider.file ? { file: loaded.provider.file } : {}) })
    : null;
  const tenants: TenantResult[] = [];
  for (const { file, definition } of loaded.tenants) {
    tenants.push(await applyTenant(db, definition, { ...options, now, ...(file ? { file } : {}) }));
  }
  return {
    provider,
    tenants,
    ok: provider?.outcome !== 'failed' && tenants.every((t) => t.outcome !== 'failed'),
  };
}

/** JSON with object keys sorted (a jsonb column gives them back in its own order). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

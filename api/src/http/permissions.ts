import type { UserKind } from '@switchboard/db';
import type { SessionUser, TenantContext } from './env.ts';
import { forbidden } from './problem.ts';

/**
 * Who may do what: the one permissions matrix. A route names the permission of its action and checks
 * it where the action happens (`requirePermission` inside a tenant, `requireUserPermission` for the
 * provider-wide routes); the web app reads the same list from `GET /api/me` and never repeats role
 * names. A new capability adds a row here, never a list of role strings of its own.
 *
 * Inside a tenant, a user acts with their `access` (tenant-scope.ts): provider staff by their kind,
 * client users by their role in that tenant, operators only for tenants they are assigned to.
 */
const staff = ['provider_admin', 'supervisor'] as const;
const admins = ['provider_admin', 'client_admin'] as const;
const clientUsers = ['client_admin', 'client_member'] as const;

export const permissions = {
  // Provider-wide
  'tenants.read': { who: staff, what: 'see the client companies' },
  'tenants.manage': { who: ['provider_admin'], what: 'onboard, change or suspend client companies' },
  'staff.read': { who: staff, what: 'see the staff list' },
  'staff.manage': { who: ['provider_admin'], what: 'create staff accounts' },
  'wallboard.read': { who: staff, what: 'see the wallboard' },
  'prices.read': { who: staff, what: 'see the price list' },
  'prices.manage': { who: ['provider_admin'], what: 'change the price list' },
  'revenue.read': { who: staff, what: 'see revenue across client companies' },
  'campaigns.board': { who: staff, what: "see every client company's running outbound campaigns and their live figures" },
  'desk.work': { who: ['operator'], what: 'work at the desk' },
  'desk.figures': { who: ['operator'], what: 'see their own figures for today' },
  'reports.compare': { who: staff, what: "compare every client company's service levels and figures" },
  // Inside a tenant
  'delegations.manage': { who: admins, what: 'change which functions are delegated' },
  'hours.manage': { who: admins, what: 'change the hours' },
  'rules.manage': { who: admins, what: 'change the confidentiality rules' },
  'callHandling.manage': { who: admins, what: 'change how calls are handled' },
  'numbers.manage': { who: ['provider_admin'], what: 'change phone numbers' },
  'scripts.manage': { who: admins, what: 'change the scripts' },
  'catalog.manage': { who: admins, what: 'change the catalog' },
  'members.read': { who: [...staff, 'client_admin'], what: 'see the user list' },
  'members.manage': { who: admins, what: 'invite or remove users' },
  'operators.manage': { who: ['provider_admin'], what: 'assign operators' },
  'audit.read': { who: [...staff, 'client_admin'], what: 'read the audit trail' },
  'records.capture': { who: admins, what: 'capture or change customers, orders, complaints and requests' },
  'records.status': { who: admins, what: "change an order's or complaint's status" },
  'calls.handle': { who: ['operator'], what: 'handle calls at the desk' },
  'billing.prices.read': { who: [...staff, ...clientUsers], what: "see this client company's prices" },
  'billing.prices.manage': { who: ['provider_admin'], what: 'change negotiated prices' },
  'billing.account.read': { who: [...staff, 'client_admin'], what: "see this client company's billing account" },
  'billing.account.manage': { who: ['provider_admin'], what: "change this client company's billing account" },
  'billing.usage.read': { who: [...staff, ...clientUsers], what: "see the company's usage" },
  'billing.statements.read': { who: [...staff, 'client_admin'], what: "see the company's statements and invoices" },
  'billing.payments.record': { who: ['provider_admin'], what: 'record payments' },
  'goLive.read': { who: [...staff, ...clientUsers], what: "see what the company still needs to take calls" },
  'directory.manage': { who: admins, what: "change the client's directory of transfer destinations" },
  'calls.outcome.completeOwn': { who: ['operator'], what: "complete the outcome of a call you handled" },
  'calls.outcome.completeAny': { who: ['provider_admin'], what: "complete the outcome of any operator's call" },
  'privacy.requests': { who: admins, what: "find or erase a person's data on their request" },
  'privacy.export': { who: ['client_admin'], what: "download a person's own data, in full, to send it to them" },
  // Recordings hold the caller's voice: listened to by the client's admins and the provider's staff (quality), never by operators or read-only members; every listen is logged.
  'recordings.listen': { who: [...staff, 'client_admin'], what: 'listen to or download call recordings' },
  'recordings.accessLog.read': { who: [...staff, 'client_admin'], what: 'see who listened to call recordings' },
  // Least privilege for operators (issue 11): they read and write only through a call they handle.
  'records.read': { who: [...staff, ...clientUsers], what: "list, read and export the company's customers, orders, complaints, requests and calls" },
  'records.captureOnCall': { who: ['operator'], what: 'capture customers, orders, complaints and requests on a call you are handling' },
  // A lead is the client's sales pipeline: its own admins move it along, nobody at the provider.
  'leads.status': { who: ['client_admin'], what: 'move a qualified lead along (contacted, converted, rejected)' },
  'campaigns.read': { who: [...staff, ...clientUsers], what: "see the company's outbound campaigns, their lists and live board" },
  'campaigns.manage': { who: [...admins, 'supervisor'], what: 'create, change, start or pause outbound campaigns and import their contact lists' },
  'campaigns.export': { who: [...staff, 'client_admin'], what: "export a campaign's contacts with their outcomes, and a contact's proof of compliance with the calling rules" },
  'callingLists.manage': { who: [...admins, 'supervisor'], what: "change the company's do-not-call list, opposition (Bloctel) lists and consent records" },
  // Issue 16: contracts, KPIs and quality (docs/kpis.md, docs/quality.md).
  'contracts.read': { who: [...staff, ...clientUsers], what: "read the company's service contract, its targets and credits" },
  'contracts.manage': { who: ['provider_admin'], what: "set the company's service contract, and confirm or waive its credits" },
  'reports.read': { who: [...staff, ...clientUsers], what: "see the company's service level, volume, operator and campaign reports" },
  // Occupancy is an operator's whole day, across every client: the provider's, not one client's, business.
  'reports.occupancy': { who: staff, what: "see the operators' time per state, occupancy and utilisation" },
  'quality.forms.manage': { who: [...admins, 'supervisor'], what: 'create and publish quality evaluation forms and set the sampling' },
  'quality.read': { who: [...staff, 'client_admin'], what: "read the company's quality evaluations and calibrations" },
  // Client users evaluate only when their company lists them (quality_settings.client_evaluator_ids, checked in the service).
  'quality.evaluate': { who: [...staff, ...clientUsers], what: 'evaluate calls against a quality form' },
  'quality.calibrate': { who: staff, what: 'run calibration sessions, several evaluators scoring one call blind' },
  'quality.own': { who: ['operator'], what: 'read and acknowledge the evaluations of your own calls' },
  // Issue 17: real telephony. The carrier account is the provider's (its lines, its bill); a company's menus are its own.
  'telephony.manage': { who: ['provider_admin'], what: "connect the provider's Twilio account, and assign its numbers to client companies" },
  'telephony.read': { who: staff, what: "see the telephony adapters, the Twilio account's numbers and the command deliveries" },
  'ivr.read': { who: [...staff, ...clientUsers], what: "see the company's keypad menus and try them" },
  'ivr.manage': { who: admins, what: "change the company's keypad menus and their recorded prompts" },
  'retention.read': { who: [...staff, 'client_admin'], what: 'see when personal data was last removed under the retention periods, and how much' },
} as const satisfies Record<string, { who: readonly UserKind[]; what: string }>;

export type Permission = keyof typeof permissions;
export const permissionNames = Object.keys(permissions) as Permission[];

/** Whether a user acting as `kind` (their kind, or their access inside a tenant) has the permission. */
export function can(kind: UserKind, permission: Permission): boolean {
  return (permissions[permission].who as readonly UserKind[]).includes(kind);
}

/** Every permission of a kind, for GET /api/me (the web app shows and hides by these, never by role names). */
export function permissionsOf(kind: UserKind): Permission[] {
  return permissionNames.filter((p) => can(kind, p));
}

/** The check that opens a tenant-scoped action: 403 naming what may not be done. */
export function requirePermission(ctx: Pick<TenantContext, 'access'>, permission: Permission): void {
  if (!can(ctx.access, permission)) throw forbidden(`You may not ${permissions[permission].what}.`);
}

/** The same for the provider-wide routes, by the user's own kind. */
export function requireUserPermission(user: Pick<SessionUser, 'kind'>, permission: Permission): void {
  if (!can(user.kind, permission)) throw forbidden(`You may not ${permissions[permission].what}.`);
}

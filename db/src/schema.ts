import type { ColumnType, Insertable, RawBuilder, Selectable, Updateable } from 'kysely';
import type { JsonColumnValue } from './json.ts';

/**
 * The database schema as Kysely sees it (columns in camelCase through CamelCasePlugin).
 * Every other layer derives its types from these: API schemas are checked against them and
 * the web client gets them through the API's types.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type JsonInput = RawBuilder<JsonColumnValue> | null;
/** jsonb: read as parsed JSON, written only through jsonb() (db/src/json.ts). */
type Json = ColumnType<unknown, JsonInput | undefined, JsonInput>;

export const userKinds = ['provider_admin', 'supervisor', 'operator', 'client_admin', 'client_member'] as const;
export type UserKind = (typeof userKinds)[number];
export const providerStaffKinds = ['provider_admin', 'supervisor', 'operator'] as const;
export type ProviderStaffKind = (typeof providerStaffKinds)[number];
export const clientRoles = ['client_admin', 'client_member'] as const;
export type ClientRole = (typeof clientRoles)[number];
export const tenantStatuses = ['active', 'suspended'] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  legalName: string;
  timeZone: string;
  locale: string;
  currency: string;
  status: ColumnType<TenantStatus, TenantStatus | undefined, TenantStatus>;
  suspendedReason: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface UsersTable {
  id: string;
  email: string;
  displayName: string;
  kind: UserKind;
  passwordHash: string;
  mustChangePassword: ColumnType<boolean, boolean | undefined, boolean>;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined, 'active' | 'disabled'>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface SessionsTable {
  id: string;
  userId: string;
  secretHash: Uint8Array;
  createdAt: Timestamp;
  lastVerifiedAt: Timestamp;
}

export interface LoginThrottleTable {
  key: string;
  failures: ColumnType<number, number | undefined, number>;
  windowStartedAt: Timestamp;
  lockedUntil: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface PlatformAuditLogTable {
  id: string;
  at: Timestamp;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: Json;
  after: Json;
}

export interface TenantMembersTable {
  tenantId: string;
  userId: string;
  role: ClientRole;
  createdAt: Timestamp;
}

export interface OperatorAssignmentsTable {
  tenantId: string;
  operatorId: string;
  skills: ColumnType<string[], string[] | undefined, string[]>;
  createdAt: Timestamp;
}

export interface AuditLogTable {
  tenantId: string;
  id: string;
  at: Timestamp;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: Json;
  after: Json;
}

export interface DB {
  tenants: TenantsTable;
  users: UsersTable;
  sessions: SessionsTable;
  loginThrottle: LoginThrottleTable;
  platformAuditLog: PlatformAuditLogTable;
  tenantMembers: TenantMembersTable;
  operatorAssignments: OperatorAssignmentsTable;
  auditLog: AuditLogTable;
}

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
export type TenantUpdate = Updateable<TenantsTable>;
export type User = Selectable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type OperatorAssignment = Selectable<OperatorAssignmentsTable>;
export type TenantMember = Selectable<TenantMembersTable>;

import type { InferRequestType, InferResponseType } from 'hono/client';
import type { api } from './client.ts';

/** Response and request shapes, derived from the API's routes (never copied by hand). */
type Client = typeof api;
type TenantClient = Client['t'][':tenant'];

export type Me = InferResponseType<Client['me']['$get'], 200>;
export type MeUser = Me['user'];
export type UserKind = MeUser['kind'];
export type ActableTenant = Me['tenants'][number];

export type Tenant = InferResponseType<Client['tenants'][':tenant']['$get'], 200>;
export type TenantStatus = Tenant['status'];
export type TenantSummary = InferResponseType<Client['tenants']['$get'], 200>['tenants'][number];
export type CreateTenantBody = InferRequestType<Client['tenants']['$post']>['json'];
export type CreatedTenant = InferResponseType<Client['tenants']['$post'], 201>;
export type Invitation = NonNullable<CreatedTenant['invitation']>;

export type StaffMember = InferResponseType<Client['staff']['$get'], 200>['staff'][number];
export type StaffKind = StaffMember['kind'];
export type CreatedStaff = InferResponseType<Client['staff']['$post'], 201>;

export type Member = InferResponseType<TenantClient['members']['$get'], 200>['members'][number];
export type ClientRole = Member['role'];
export type AssignedOperator = InferResponseType<TenantClient['operators']['$get'], 200>['operators'][number];
export type AuditPage = InferResponseType<TenantClient['audit']['$get'], 200>;
export type AuditEntry = AuditPage['entries'][number];

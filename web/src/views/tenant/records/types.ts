import type { InferResponseType } from 'hono/client';
import type { api } from '../../../api/client.ts';

/** The portal's record shapes, derived from the API's routes (never copied by hand). */
type TenantClient = (typeof api)['t'][':tenant'];

export type CallRow = InferResponseType<TenantClient['calls']['$get'], 200>['items'][number];
export type CallDetail = InferResponseType<TenantClient['calls'][':id']['$get'], 200>;
export type OrderRow = InferResponseType<TenantClient['orders']['$get'], 200>['items'][number];
export type ComplaintRow = InferResponseType<TenantClient['complaints']['$get'], 200>['items'][number];
export type OrderStatus = OrderRow['status'];
export type ComplaintStatus = ComplaintRow['status'];
export type LeadRow = InferResponseType<TenantClient['leads']['$get'], 200>['items'][number];
export type LeadStatus = LeadRow['status'];
export type RecordChangeRow = InferResponseType<TenantClient['data-entry']['$get'], 200>['items'][number];

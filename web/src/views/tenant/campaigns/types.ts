import type { InferResponseType } from 'hono/client';
import type { api } from '../../../api/client.ts';

/** The campaign and list shapes, from the API's own types. */
export type Campaign = InferResponseType<(typeof api.t)[':tenant']['campaigns'][':id']['$get'], 200>;
export type ContactList = InferResponseType<(typeof api.t)[':tenant']['campaigns'][':id']['lists']['$get'], 200>['lists'][number];
export type CampaignOptions = InferResponseType<(typeof api.t)[':tenant']['campaign-options']['$get'], 200>;
export type ImportResult = InferResponseType<(typeof api.t)[':tenant']['campaigns'][':id']['lists']['$post'], 201>;

export const statusBadge: Record<string, string> = { draft: '', running: 'badge-success', paused: 'badge-warning', finished: 'badge-info' };
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

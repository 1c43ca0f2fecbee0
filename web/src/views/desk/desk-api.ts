import type { InferRequestType, InferResponseType } from 'hono/client';
import { api, call } from '../../api/client.ts';

/** Every request the desk makes, in one place, typed from the API's routes (hc<AppType>). */

type TenantClient = (typeof api)['t'][':tenant'];
export type CallContext = InferResponseType<TenantClient['desk']['calls'][':callId']['$get'], 200>;
export type CatalogItem = InferResponseType<TenantClient['catalog']['items']['$get'], 200>['items'][number];
export type SearchResult = InferResponseType<TenantClient['catalog']['search']['$get'], 200>['results'][number];

export function loadContext(tenant: string, callId: string): Promise<CallContext> {
  return call(api.t[':tenant'].desk.calls[':callId'].$get({ param: { tenant, callId } }));
}

export async function loadCatalogItems(tenant: string): Promise<CatalogItem[]> {
  const page = await call(api.t[':tenant'].catalog.items.$get({ param: { tenant }, query: { limit: '200' } as never }));
  return page.items;
}

export async function searchKnowledge(tenant: string, q: string): Promise<SearchResult[]> {
  const page = await call(api.t[':tenant'].catalog.search.$get({ param: { tenant }, query: { q, limit: '8' } as never }));
  return page.results;
}

// ---- the routing core's desk routes (part A) ---------------------------------------------------

export type DeskState = InferResponseType<(typeof api)['desk']['state']['$get'], 200>;
export type PresenceState = DeskState['state'];
export type Offer = NonNullable<DeskState['offer']>;
export type CurrentCall = NonNullable<DeskState['call']>;
export type Dialing = NonNullable<DeskState['dialing']>;
export type OutboundOfCall = NonNullable<CallContext['outbound']>;
export type SkipBody = InferRequestType<(typeof api)['desk']['dialing'][':attemptId']['skip']['$post']>['json'];
export type CallbackBody = InferRequestType<TenantClient['desk']['calls'][':callId']['callback']['$post']>['json'];
type CallClient = TenantClient['desk']['calls'][':callId'];
export type WrapUpBody = InferRequestType<CallClient['wrap-up']['$post']>['json'];
export type TransferTarget = InferRequestType<CallClient['transfer']['$post']>['json']['target'];

const calls = api.t[':tenant'].desk.calls[':callId'];
const param = (tenant: string, callId: string) => ({ param: { tenant, callId } });

export const deskApi = {
  state: () => call(api.desk.state.$get()),
  setState: (state: 'available' | 'break' | 'offline', breakReason?: string) =>
    call(api.desk.state.$put({ json: { state, ...(breakReason ? { breakReason } : {}) } })),
  accept: (tenant: string, callId: string) => call(calls.accept.$post(param(tenant, callId))),
  decline: (tenant: string, callId: string) => call(calls.decline.$post(param(tenant, callId))),
  hangup: (tenant: string, callId: string) => call(calls.hangup.$post(param(tenant, callId))),
  wrapUp: (tenant: string, callId: string, json: WrapUpBody) => call(calls['wrap-up'].$post({ ...param(tenant, callId), json })),
  transfer: (tenant: string, callId: string, json: { target: TransferTarget; note?: string }) => call(calls.transfer.$post({ ...param(tenant, callId), json })),
  /** Pause the call's recording while the caller gives payment details, and resume it (issue 11). */
  pauseRecording: (tenant: string, callId: string) => call(calls.recording.pause.$post(param(tenant, callId))),
  resumeRecording: (tenant: string, callId: string) => call(calls.recording.resume.$post(param(tenant, callId))),
  /** Outbound (issue 15): the preview card the dialer reserved the operator for, and an outbound call's callback. */
  dial: (attemptId: string) => call(api.desk.dialing[':attemptId'].dial.$post({ param: { attemptId } })),
  skip: (attemptId: string, json: SkipBody) => call(api.desk.dialing[':attemptId'].skip.$post({ param: { attemptId }, json })),
  callback: (tenant: string, callId: string, json: CallbackBody) => call(calls.callback.$post({ ...param(tenant, callId), json })),
  /** The tenant's do-not-call list, from the call (route on the calling-lists branch; merged by the lead). */
  doNotCall: async (tenant: string, callId: string): Promise<void> => {
    const path = `/api/t/${encodeURIComponent(tenant)}/desk/calls/${encodeURIComponent(callId)}/do-not-call`;
    await call(fetch(path, { method: 'POST', credentials: 'same-origin' }) as unknown as ReturnType<typeof calls.hangup.$post>);
  },
};

// ---- carrier controls (issue 17): hold, mute, warm transfer, three-way ---------------------------

export type CarrierState = CurrentCall['carrier'];
export type ConsultTarget = InferRequestType<CallClient['consult']['$post']>['json']['target'];

export const carrierApi = {
  hold: (tenant: string, callId: string) => call(calls.hold.$post(param(tenant, callId))),
  resume: (tenant: string, callId: string) => call(calls.resume.$post(param(tenant, callId))),
  mute: (tenant: string, callId: string) => call(calls.mute.$post(param(tenant, callId))),
  unmute: (tenant: string, callId: string) => call(calls.unmute.$post(param(tenant, callId))),
  consult: (tenant: string, callId: string, target: ConsultTarget) => call(calls.consult.$post({ ...param(tenant, callId), json: { target } })),
  cancel: (tenant: string, callId: string) => call(calls.consult.cancel.$post(param(tenant, callId))),
  conference: (tenant: string, callId: string) => call(calls.conference.$post(param(tenant, callId))),
  handover: (tenant: string, callId: string) => call(calls.consult.handover.$post(param(tenant, callId))),
};

// ---- records (part C), typed from the API ------------------------------------------------------

export type OrderInput = InferRequestType<TenantClient['orders']['$post']>['json'];
export type CreatedOrder = InferResponseType<TenantClient['orders']['$post'], 201>;
export type ComplaintInput = InferRequestType<TenantClient['complaints']['$post']>['json'];
export type CreatedComplaint = InferResponseType<TenantClient['complaints']['$post'], 201>;
export type InformationRequestInput = InferRequestType<TenantClient['information-requests']['$post']>['json'];
export type CustomerInput = InferRequestType<TenantClient['contacts']['$post']>['json'];

export const records = {
  createOrder: (tenant: string, json: OrderInput, key: string) =>
    call(api.t[':tenant'].orders.$post({ param: { tenant }, json, header: { 'idempotency-key': key } })),
  createComplaint: (tenant: string, json: ComplaintInput, key: string) =>
    call(api.t[':tenant'].complaints.$post({ param: { tenant }, json, header: { 'idempotency-key': key } })),
  createInformationRequest: (tenant: string, json: InformationRequestInput) =>
    call(api.t[':tenant']['information-requests'].$post({ param: { tenant }, json })),
  saveCustomer: (tenant: string, json: CustomerInput, key: string) =>
    call(api.t[':tenant'].contacts.$post({ param: { tenant }, json, header: { 'idempotency-key': key } })),
};


/** A fresh Idempotency-Key; getRandomValues works on plain-http origins, where randomUUID does not exist. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- the operator's own figures for today --------------------------------------------------------

export type OperatorFigures = InferResponseType<(typeof api)['desk']['figures']['$get'], 200>;
export const loadFigures = (): Promise<OperatorFigures> => call(api.desk.figures.$get({ query: {} }));

// ---- wrap-up drafts, the extension, recent calls and completing an outcome (issue 10) ------------

export type WrapUpDraftBody = InferRequestType<CallClient['wrap-up']['draft']['$put']>['json'];
export type RecentCall = InferResponseType<(typeof api)['desk']['recent-calls']['$get'], 200>['calls'][number];
type OutcomeClient = TenantClient['calls'][':callId']['outcome'];
export type CallOutcome = InferResponseType<OutcomeClient['$get'], 200>;

export const wrapUpApi = {
  saveDraft: (tenant: string, callId: string, json: WrapUpDraftBody) => call(calls['wrap-up'].draft.$put({ ...param(tenant, callId), json })),
  extend: (tenant: string, callId: string) => call(calls['wrap-up'].extend.$post(param(tenant, callId))),
  recentCalls: () => call(api.desk['recent-calls'].$get()),
  outcome: (tenant: string, callId: string) => call(api.t[':tenant'].calls[':callId'].outcome.$get(param(tenant, callId))),
  complete: (tenant: string, callId: string, json: { disposition: string; notes?: string }) =>
    call(api.t[':tenant'].calls[':callId'].outcome.$post({ ...param(tenant, callId), json })),
};

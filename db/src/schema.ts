import type { ColumnType, Insertable, RawBuilder, Selectable, Updateable } from 'kysely';
import type { JsonColumnValue } from './json.ts';
import type { Language } from './languages.ts';

/**
 * The database schema as Kysely sees it (columns in camelCase through CamelCasePlugin).
 * Every other layer derives its types from these: API schemas are checked against them and
 * the web client gets them through the API's types.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type JsonInput = RawBuilder<JsonColumnValue> | null;
/** jsonb: read as parsed JSON, written only through jsonb() (db/src/json.ts). */
type Json = ColumnType<unknown, JsonInput | undefined, JsonInput>;
/** jsonb whose shape the service checked before writing it (zod at the edge): read typed, written through jsonb(). */
type TypedJson<T> = ColumnType<T, JsonInput | undefined, JsonInput>;
/** date columns: a calendar day read and written as 'YYYY-MM-DD' text (both drivers are told so in connect.ts). */
type DateColumn = ColumnType<string, string, string>;

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
  /** `#rrggbb`: the desk's banner colour while an operator is on this tenant's call. */
  brandColor: ColumnType<string, string | undefined, string>;
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
  /** The interface language the person chose (db/src/languages.ts); null: their browser's. */
  language: ColumnType<Language | null, Language | null | undefined, Language | null>;
  /** How the operator's voice reaches a call (0032): the browser (Twilio's Voice SDK), a phone number or a SIP address; null: not set. */
  voiceLegKind: ColumnType<VoiceLegKind | null, VoiceLegKind | null | undefined, VoiceLegKind | null>;
  /** E.164 for a phone, `sip:user@host` for SIP; null for the browser. */
  voiceLegAddress: ColumnType<string | null, string | null | undefined, string | null>;
}

export const voiceLegKinds = ['browser', 'phone', 'sip'] as const;
export type VoiceLegKind = (typeof voiceLegKinds)[number];

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

/** An invitation to join a tenant as a client user (migration 0015); no account exists because of it. */
export interface MemberInvitationsTable {
  tenantId: string;
  id: string;
  email: string;
  displayName: string;
  role: ClientRole;
  /** SHA-256 of the one-time code, hex. */
  codeHash: string;
  invitedBy: string | null;
  createdAt: Timestamp;
  expiresAt: Timestamp;
}

export interface OperatorAssignmentsTable {
  tenantId: string;
  operatorId: string;
  skills: ColumnType<string[], string[] | undefined, string[]>;
  createdAt: Timestamp;
  /** When the operator's signed confidentiality agreement for this tenant was put on file (null: none). */
  confidentialityAgreementSignedAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Per skill: `{ priority, delaySeconds }` (RoutingEntry); a skill without an entry has priority 1, no delay. */
  routing: Json;
}

export interface RoutingEntry {
  /** 1 is offered first. */
  priority: number;
  /** How long a waiting call is held back from this operator. */
  delaySeconds: number;
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

export const afterHoursActions = ['forward', 'callback', 'message', 'announcement'] as const;
export type AfterHoursAction = (typeof afterHoursActions)[number];

export interface HoursSchedulesTable {
  tenantId: string;
  name: string;
  isDefault: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface HoursSlotsTable {
  tenantId: string;
  scheduleName: string;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** 'HH:MM' local to the tenant's zone. */
  startsAt: string;
  /** 'HH:MM' or '24:00'; at or before startsAt, the slot ends the next day. */
  endsAt: string;
}

export interface HoursOverridesTable {
  tenantId: string;
  id: string;
  /** date columns: read them as 'YYYY-MM-DD' text (to_char), never as a driver's Date. */
  startsOn: ColumnType<unknown, string, string>;
  endsOn: ColumnType<unknown, string, string>;
  label: string;
  closed: boolean;
  /** [{start, end}] local intervals, as in hours_slots. */
  intervals: Json;
}

export interface HoursFunctionsTable {
  tenantId: string;
  functionId: string;
  /** Null: the tenant's default schedule. */
  scheduleName: string | null;
  afterHoursAction: AfterHoursAction;
  forwardTo: string | null;
  announcement: string | null;
}

export const catalogItemKinds = ['product', 'service'] as const;
export type CatalogItemKind = (typeof catalogItemKinds)[number];
export const articleKinds = ['faq', 'procedure'] as const;
export type ArticleKind = (typeof articleKinds)[number];

/** The columns every catalog table has for full-text search (migration 0005_catalog). */
interface SearchColumns {
  /** The text-search configuration the row was written under (from the tenant's locale): a regconfig name. */
  searchConfig: string;
  /** Generated from the row; never written. */
  searchDocument: ColumnType<string, never, never>;
}

export interface CatalogItemsTable extends SearchColumns {
  tenantId: string;
  id: string;
  kind: CatalogItemKind;
  sku: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  category: ColumnType<string, string | undefined, string>;
  priceMinor: number;
  currency: string;
  available: ColumnType<boolean, boolean | undefined, boolean>;
  options: Json;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface TariffsTable extends SearchColumns {
  tenantId: string;
  id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  currency: string;
  priceLines: Json;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface PromotionsTable extends SearchColumns {
  tenantId: string;
  id: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  conditions: ColumnType<string, string | undefined, string>;
  /** `date` columns: select them as text (YYYY-MM-DD); drivers parse them differently. */
  validFrom: ColumnType<unknown, string, string>;
  validUntil: ColumnType<unknown, string | null | undefined, string | null>;
  itemSkus: ColumnType<string[], string[] | undefined, string[]>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface KnowledgeArticlesTable extends SearchColumns {
  tenantId: string;
  id: string;
  kind: ArticleKind;
  title: string;
  body: ColumnType<string, string | undefined, string>;
  tags: Json;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** The dispositions a call can end with (wrap-up codes), per tenant. */
export interface WrapUpCodesTable {
  tenantId: string;
  code: string;
  label: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** One call script per (tenant, function): the draft being edited (a ScriptBody, api/src/scripts/model.ts). */
export interface ScriptsTable {
  tenantId: string;
  id: string;
  function: string;
  draft: Json;
  draftUpdatedAt: Timestamp;
  draftUpdatedBy: string;
  createdAt: Timestamp;
}

/** A published script version: numbered per script, immutable (the app role may not update or delete). */
export interface ScriptVersionsTable {
  tenantId: string;
  scriptId: string;
  version: number;
  body: Json;
  publishedAt: Timestamp;
  publishedBy: string | null;
  publishedByLabel: string;
}

/** What a function's usage is priced per: a handled minute (talk time), a handled call, an order… */
export const priceMetrics = ['handled_minute', 'handled_call', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record', 'sale'] as const;
export type PriceMetric = (typeof priceMetrics)[number];
/** Priced per tenant and month, not per function: the platform fee and dedicated-operator seats. */
export const monthlyPriceMetrics = ['platform_fee', 'seat'] as const;
export type MonthlyPriceMetric = (typeof monthlyPriceMetrics)[number];
export type BillingMetric = PriceMetric | MonthlyPriceMetric;
/** Talk time is billed per started minute (61 s = 2 min) or per second (61 s = 61/60 of the minute price). */
export const roundingModes = ['per_started_minute', 'per_second'] as const;
export type RoundingMode = (typeof roundingModes)[number];

/**
 * A dated price, in minor units of its currency, for usage whose day (tenant time zone) is in
 * [effectiveFrom, effectiveTo). `function` is null exactly for the monthly metrics; `rounding` is set
 * exactly for handled minutes. The list (`prices`, global) and negotiated prices (`tenant_prices`).
 */
interface PriceColumns {
  id: string;
  function: string | null;
  metric: BillingMetric;
  currency: string;
  unitAmountMinor: Minor;
  rounding: RoundingMode | null;
  /** `YYYY-MM-DD` (date columns are read as strings). */
  effectiveFrom: DateColumn;
  effectiveTo: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  createdBy: string;
}
export type PricesTable = PriceColumns;
export interface TenantPricesTable extends PriceColumns {
  tenantId: string;
}

export interface BillingAccountsTable {
  tenantId: string;
  minimumCommitmentMinor: ColumnType<string | number, number | undefined, number>;
  dedicatedSeats: Generated<number>;
  /** Set by a failed payment, cleared by a paid invoice: the tenant's admins see a banner meanwhile. */
  pastDueSince: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  subscriptionStatus: string | null;
  updatedAt: Timestamp;
  updatedBy: Generated<string>;
}

export interface StripeEventsTable {
  id: string;
  type: string;
  receivedAt: Timestamp;
  processedAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export const statementLineKinds = ['usage', 'platform_fee', 'seat', 'commitment_top_up', 'service_credit'] as const;
export type StatementLineKind = (typeof statementLineKinds)[number];

/** A closed billing period (calendar month in the tenant's time zone): frozen once written. */
export interface StatementsTable {
  tenantId: string;
  /** First day of the month, `YYYY-MM-DD`. */
  period: DateColumn;
  currency: string;
  periodStart: Timestamp;
  periodEnd: Timestamp;
  usageMinor: Minor;
  totalMinor: Minor;
  closedAt: Timestamp;
  /** When the billing provider was told of the close (local invoice, Stripe top-up); null: tell it again. */
  providerNotifiedAt: NullableTimestamp;
}

export interface StatementLinesTable {
  tenantId: string;
  period: DateColumn;
  lineNo: number;
  kind: StatementLineKind;
  function: string | null;
  metric: string | null;
  description: string;
  quantity: Minor;
  unit: string;
  unitAmountMinor: ColumnType<string | number | null, number | null | undefined, number | null>;
  rounding: string | null;
  priceId: string | null;
  priceSource: 'list' | 'tenant' | null;
  amountMinor: Minor;
}

export const invoiceStatuses = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;
export type InvoiceStatus = (typeof invoiceStatuses)[number];

export interface InvoicesTable {
  tenantId: string;
  id: string;
  source: 'local' | 'stripe';
  stripeInvoiceId: string | null;
  number: string | null;
  period: ColumnType<string | null, string | null | undefined, string | null>;
  periodStart: NullableTimestamp;
  periodEnd: NullableTimestamp;
  currency: string;
  amountDueMinor: ColumnType<string | number, number | undefined, number>;
  amountPaidMinor: ColumnType<string | number, number | undefined, number>;
  status: InvoiceStatus;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  issuedAt: NullableTimestamp;
  dueAt: NullableTimestamp;
  paidAt: NullableTimestamp;
  paymentFailedAt: NullableTimestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** What must reach Stripe, written with the work and sent afterwards by the outbox worker. */
export interface BillingOutboxTable {
  tenantId: string;
  /** For meter events: the usage event's id, which is also the meter event's `identifier`. */
  id: string;
  kind: 'meter_event';
  eventName: string;
  value: Minor;
  occurredAt: Timestamp;
  attempts: Generated<number>;
  nextAttemptAt: Timestamp;
  sentAt: NullableTimestamp;
  lastError: string | null;
  createdAt: Timestamp;
}

/** Per tenant and function: delegated to the provider, or kept in-house with a destination. */
export interface DelegationsTable {
  tenantId: string;
  function: string;
  delegated: boolean;
  /** E.164. */
  inHousePhone: string | null;
  inHouseEmail: string | null;
  /** In the unit of the function's price metric. */
  expectedMonthlyVolume: number;
  updatedAt: Timestamp;
  updatedBy: string;
}

/** A tenant's confidentiality rules, one row per tenant (api/src/rules/definition.ts is the document). */
export interface ConfidentialityRulesTable {
  tenantId: string;
  classification: Json;
  operatorVisibility: string;
  exportFields: ColumnType<string[], string[] | undefined, string[]>;
  whiteLabel: ColumnType<boolean, boolean | undefined, boolean>;
  greetingText: string | null;
  recordingPolicy: string;
  personalDataRetentionDays: number;
  recordingRetentionDays: number;
  requiresConfidentialityAgreement: ColumnType<boolean, boolean | undefined, boolean>;
  /** CIDR ranges in canonical form (text[], checked by a cast to cidr[]). */
  ipAllowList: ColumnType<string[], string[] | undefined, string[]>;
  updatedAt: Timestamp;
  updatedBy: string;
}

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Generated<T> = ColumnType<T, T | undefined, T>;

/** `not_responding`: an offer ran out unanswered; no call is offered until the operator says they are back. */
/** `dialing` (0030): reserved for an outbound attempt — looking at a preview card, or waiting for a progressive call to be answered. */
export const operatorStates = ['offline', 'available', 'on_call', 'wrap_up', 'break', 'not_responding', 'dialing'] as const;
export type OperatorState = (typeof operatorStates)[number];

/** One row per operator: where they are now (global: one person, whichever tenant's call). */
export interface OperatorPresenceTable {
  operatorId: string;
  state: OperatorState;
  breakReason: string | null;
  /** Since when in this state; for `available`, how long they have been idle (longest idle is offered first). */
  since: Timestamp;
  updatedAt: Timestamp;
  /** The call the operator is on (on_call) or wrapping up (wrap_up), and its tenant. */
  callTenantId: ColumnType<string | null, string | null | undefined, string | null>;
  callId: ColumnType<string | null, string | null | undefined, string | null>;
  /** The call offered to the operator right now, and its tenant (one at a time). */
  offerTenantId: ColumnType<string | null, string | null | undefined, string | null>;
  offerCallId: ColumnType<string | null, string | null | undefined, string | null>;
  /** Seconds the operator extended the current wrap-up by (once; 0 = not extended); reset with `since`. */
  wrapUpExtendedSeconds: Generated<number>;
  /** While `dialing` (0030): the outbound attempt the operator is reserved for, and its tenant. */
  dialTenantId: ColumnType<string | null, string | null | undefined, string | null>;
  dialAttemptId: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OperatorStateLogTable {
  id: string;
  operatorId: string;
  state: OperatorState;
  breakReason: string | null;
  startedAt: Timestamp;
  endedAt: NullableTimestamp;
  /** The call the state is about: for `not_responding`, the offer that ran out. */
  callTenantId: ColumnType<string | null, string | null | undefined, string | null>;
  callId: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the closed state was added to operator_state_intervals (0031). */
  statsFoldedAt: NullableTimestamp;
}

export interface TelephonySignaturesTable {
  signature: string;
  seenAt: Timestamp;
}

export const complaintSeverities = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof complaintSeverities)[number];

export interface CallSettingsTable {
  tenantId: string;
  /** An offer not accepted within this goes to the next operator. */
  offerTimeoutSeconds: Generated<number>;
  /** How long an operator has to wrap up a call before being made available again. */
  wrapUpSeconds: Generated<number>;
  /** Service level: calls answered within this many seconds of being queued. */
  answerTargetSeconds: Generated<number>;
  /** A transfer not answered within this comes back to the operator who made it. */
  transferTimeoutSeconds: Generated<number>;
  /** An operator may extend a wrap-up once by this many seconds; 0: not allowed. */
  wrapUpExtensionSeconds: Generated<number>;
  /** Days to resolve a complaint, per severity: Record<ComplaintSeverity, number>. */
  complaintDueDays: Json;
  updatedAt: Timestamp;
  updatedBy: string;
  /** A caller waiting in the queue longer than this gets the function's overflow action (0024). */
  maxQueueWaitSeconds: Generated<number>;
  /** Per function, what an overflowing call gets: {function: {action, forwardTo?, announcement?}}; left out: a message (0024). */
  queueOverflow: Json;
  /** A connected call the telephony adapter has said nothing about for this long is closed (0024). */
  connectedSilenceMinutes: Generated<number>;
  /** Per function, whether callers are asked the satisfaction survey after a handled call: {function: {askSolved}} (0027). */
  satisfactionSurvey: Json;
}

export interface PhoneNumbersTable {
  tenantId: string;
  /** E.164. */
  number: string;
  function: string;
  label: Generated<string>;
  createdAt: Timestamp;
}

export const callStatuses = ['queued', 'connected', 'wrap_up', 'completed', 'abandoned', 'after_hours', 'transferred_out', 'overflowed'] as const;
export type CallStatus = (typeof callStatuses)[number];

export interface CallsTable {
  tenantId: string;
  id: string;
  /** The telephony adapter's call id. */
  externalId: string;
  direction: Generated<'inbound' | 'outbound'>;
  function: string;
  dialledNumber: string;
  callerNumber: string;
  status: CallStatus;
  afterHoursAction: AfterHoursAction | null;
  forwardedTo: string | null;
  requiredSkill: string | null;
  operatorId: string | null;
  customerId: string | null;
  scriptId: string | null;
  scriptVersion: number | null;
  disposition: string | null;
  notes: string | null;
  recordingRef: string | null;
  offeredAt: Timestamp;
  answeredAt: NullableTimestamp;
  endedAt: NullableTimestamp;
  endedBy: 'caller' | 'operator' | 'system' | null;
  wrapUpEndedAt: NullableTimestamp;
  /**
   * What the operator chose and typed while wrapping up, saved as they go (notes card-redacted): kept
   * when the wrap-up time runs out, until they complete the call's disposition.
   */
  draftDisposition: ColumnType<string | null, string | null | undefined, string | null>;
  draftNotes: ColumnType<string | null, string | null | undefined, string | null>;
  draftScriptAnswers: Json;
  draftSavedAt: NullableTimestamp;
  /** The draft's script answers were checked against the call's script version when saved (0029); false: saved before answers were typed, completed leniently. */
  draftAnswersChecked: Generated<boolean>;
  /** What the telephony adapter is told about the recording (0020): off, on, or paused while payment details are given. */
  recordingState: Generated<RecordingState>;
  /** Why the call was closed other than by the hours: the company was suspended, the caller waited too long (0024), the adapter went silent (0024). */
  closedReason: ColumnType<ClosedReason | null, ClosedReason | null | undefined, ClosedReason | null>;
  /** The telephony adapter's last report or keep-alive about this call (0024): a connected call silent too long is closed. */
  adapterSeenAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Set when the operator hangs up a call of a surveyed function (0027): whether the caller is also asked "solved?"; null, not surveyed. */
  surveyAskedSolved: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  /** When the finished call was added to the interval statistics (0031); null: not yet (api/src/kpis). */
  statsFoldedAt: NullableTimestamp;
  /** The same caller called again about the same function within the contract's FCR days (0031). */
  fcrRepeated: Generated<boolean>;
  /** Who carries the call (0032): the signed HTTP boundary (push or polling) or the built-in Twilio adapter. */
  adapter: Generated<TelephonyAdapterKind>;
  /** The carrier's id for the customer's leg (0032): Twilio's CallSid (inbound: the external id; outbound: once answered). */
  carrierCallSid: ColumnType<string | null, string | null | undefined, string | null>;
  /** The Twilio conference (`CF…`) the call's legs meet in (0037), learnt from its status callback or by name (0037). */
  carrierConferenceSid: ColumnType<string | null, string | null | undefined, string | null>;
  /** Since when the operator holds the caller (0032); null: not on hold. */
  heldSince: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Seconds on hold, added when a hold ends (0032): the KPI fold's hold time. */
  holdSeconds: Generated<number>;
  /** The operator's microphone is muted towards the caller (0032). */
  muted: Generated<boolean>;
  /** A third party on the line (0032): a warm transfer's consultation or a three-way conference. */
  consult: ColumnType<CallConsult | null, JsonInput | undefined, JsonInput>;
}

export const telephonyAdapterKinds = ['http', 'twilio'] as const;
export type TelephonyAdapterKind = (typeof telephonyAdapterKinds)[number];

/** `calls.consult` (0032). */
export interface CallConsult {
  kind: 'consult' | 'conference';
  /** E.164 or `sip:…`. */
  target: string;
  label: string;
  startedAt: string;
  by: string;
}

export const closedReasons = ['tenant_suspended', 'max_wait', 'no_sign_of_life'] as const;
export type ClosedReason = (typeof closedReasons)[number];

export const recordingStates = ['off', 'on', 'paused'] as const;
export type RecordingState = (typeof recordingStates)[number];

/** One listen to or download of a call's recording: who and when (0020). Append-only. */
export interface RecordingAccessTable {
  tenantId: string;
  id: string;
  callId: string;
  userId: string;
  userLabel: string;
  action: 'listen' | 'download';
  at: Timestamp;
}

export interface CallEventsTable {
  tenantId: string;
  id: string;
  callId: string;
  at: Timestamp;
  kind: string;
  operatorId: string | null;
  detail: Json;
}

export const satisfactionOutcomes = ['answered', 'partial', 'not_answered'] as const;
export type SatisfactionOutcome = (typeof satisfactionOutcomes)[number];

/** A handled call's post-call satisfaction survey, as the telephony adapter reported it (0027): written once. */
export interface CallSatisfactionTable {
  tenantId: string;
  callId: string;
  function: string;
  operatorId: string | null;
  /** Whether the caller was also asked "was your problem solved?". */
  askedSolved: boolean;
  /** 1–5, null when the caller did not key one. */
  score: number | null;
  solved: boolean | null;
  outcome: SatisfactionOutcome;
  /** When the call ended: the figures' periods and the wallboard's today count by it. */
  callEndedAt: Timestamp;
  recordedAt: Timestamp;
}

export interface CallQueueTable {
  tenantId: string;
  callId: string;
  function: string;
  requiredSkill: string | null;
  enqueuedAt: Timestamp;
  offeredTo: string | null;
  offerExpiresAt: NullableTimestamp;
  declinedBy: Generated<string[]>;
  /** A transferred call: who transferred it, and gets it back if nobody answers. */
  returnTo: string | null;
  returnNote: string | null;
}

export interface CallbackRequestsTable {
  tenantId: string;
  id: string;
  callId: string;
  function: string;
  callerNumber: string;
  status: Generated<'pending' | 'done' | 'cancelled'>;
  requestedAt: Timestamp;
}

export interface CustomersTable {
  tenantId: string;
  id: string;
  phone: string;
  name: string | null;
  email: string | null;
  address: string | null;
  birthDate: string | null;
  accountNumber: string | null;
  /** Only ever what card-number redaction leaves (api/src/rules/card-numbers.ts): never a whole card number. */
  cardNumber: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export const orderStatuses = ['received', 'confirmed', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const paymentMethods = ['cash', 'card_on_delivery', 'to_collect', 'invoice'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

/** A call's script answers (migration 0026): which script version they were asked with, and whether the script was walked to its end. */
export interface CallAnswerSetsTable {
  tenantId: string;
  callId: string;
  scriptId: string;
  scriptVersion: number;
  function: string;
  completed: boolean;
  /** The script captures survey answers: a completed one is a completed questionnaire. */
  isSurvey: boolean;
  answeredAt: Timestamp;
  /** The operator who gave the answers (the call's, when they were stored); the results' operator filter. */
  operatorId: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One typed answer (after card-number redaction), with the capture targets it went into. */
export interface CallAnswersTable {
  tenantId: string;
  callId: string;
  stepId: string;
  answerType: string;
  targets: ColumnType<string[], string[] | undefined, string[]>;
  value: Json;
  /**
   * The question is on the path the script's walk took with these answers (the desk walks forward only,
   * so every answer it sends is); an answer to a question of a branch the walk left is kept with the
   * call but counts in no result and leaves in no export.
   */
  onPath: ColumnType<boolean, boolean | undefined, boolean>;
}

/**
 * The grain survey results are counted by (migration 0028, kept by triggers on the answers): a
 * questionnaire version, the answers' local day in the tenant's zone, the call's function, the operator
 * who gave them (the nil uuid for none).
 */
interface SurveyGrain {
  tenantId: string;
  scriptId: string;
  scriptVersion: number;
  day: DateColumn;
  function: string;
  operatorId: string;
}

/** Per grain: answer sets (calls) and completed ones. */
export interface SurveyTalliesTable extends SurveyGrain {
  isSurvey: boolean;
  calls: number;
  completions: number;
}

/** Per grain and question of completed questionnaires: how many answered; a number question's count and sum of numbers. */
export interface SurveyQuestionCountsTable extends SurveyGrain {
  stepId: string;
  answered: number;
  numbers: number;
  numberSum: ColumnType<string, string | number, string | number>;
}

/** Per grain, question and value (an option, a scale point, `true`/`false`): how many picked it. */
export interface SurveyValueCountsTable extends SurveyGrain {
  stepId: string;
  value: string;
  count: number;
}

/** Per grain, free-text question and word (stop words included: they leave on reading): how many times it was said. */
export interface SurveyWordCountsTable extends SurveyGrain {
  stepId: string;
  word: string;
  count: number;
}

export const leadStatuses = ['new', 'contacted', 'converted', 'rejected'] as const;
export type LeadStatus = (typeof leadStatuses)[number];

/** A qualified lead a call produced: its `lead.*` fields (`name`, `phone`…), and where the client has taken it. */
export interface LeadsTable {
  tenantId: string;
  id: string;
  callId: string;
  function: string;
  fields: Json;
  status: ColumnType<LeadStatus, LeadStatus | undefined, LeadStatus>;
  statusChangedAt: Timestamp | null;
  statusChangedByLabel: string | null;
  createdAt: Timestamp;
}

/** A customer record a call created or changed: `[{ field, before, after }]`, values after card-number redaction. */
export interface CustomerRecordChangesTable {
  tenantId: string;
  id: string;
  callId: string;
  customerId: string;
  action: 'created' | 'updated';
  changes: Json;
  at: Timestamp;
}

/** bigint columns: postgres.js reads them as strings, PGlite as numbers; select through Number(). */
type Minor = ColumnType<string | number, number, number>;

/** A tenant's last order number (migration 0025): incremented in the statement that inserts an order. */
export interface OrderCountersTable {
  tenantId: string;
  lastNumber: number;
}

export interface OrdersTable {
  tenantId: string;
  id: string;
  /** Per tenant, from 1: what the client's staff quote. */
  number: number;
  callId: string | null;
  customerId: string | null;
  status: Generated<OrderStatus>;
  /** OrderLine[]: item id, name, options, quantity, unit and line prices, computed on the server. */
  items: Json;
  currency: string;
  subtotalMinor: Minor;
  discountMinor: ColumnType<string | number, number | undefined, number>;
  totalMinor: Minor;
  deliveryAddress: string | null;
  deliveryTime: NullableTimestamp;
  paymentMethod: PaymentMethod;
  paymentReference: string | null;
  notes: string | null;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export const complaintStatuses = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type ComplaintStatus = (typeof complaintStatuses)[number];

export interface ComplaintsTable {
  tenantId: string;
  id: string;
  number: number;
  callId: string | null;
  customerId: string | null;
  category: string;
  severity: ComplaintSeverity;
  description: string;
  desiredResolution: string | null;
  status: Generated<ComplaintStatus>;
  dueAt: Timestamp;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface InformationRequestsTable {
  tenantId: string;
  id: string;
  callId: string | null;
  customerId: string | null;
  topic: string;
  question: string | null;
  answer: string | null;
  followUp: Generated<boolean>;
  createdBy: string | null;
  createdAt: Timestamp;
}

export const usageMetrics = ['handled_call', 'talk_seconds', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record', 'sale'] as const;
export type UsageMetric = (typeof usageMetrics)[number];

export interface UsageEventsTable {
  tenantId: string;
  id: string;
  occurredAt: Timestamp;
  function: string;
  metric: UsageMetric;
  quantity: Minor;
  /** What was done: `call`, `order`, `complaint`…, and its id. (metric, source) is unique. */
  sourceType: string;
  sourceId: string;
  /** Rated when written (api/src/billing/rating.ts): null price = no price applied, amount 0. */
  priceId: string | null;
  priceSource: 'list' | 'tenant' | null;
  unitAmountMinor: ColumnType<string | number | null, number | null | undefined, number | null>;
  rounding: RoundingMode | null;
  /** In the price's unit: minutes (per started minute), seconds (per second), or a count. */
  billedQuantity: ColumnType<string | number, number | undefined, number>;
  amountMinor: ColumnType<string | number, number | undefined, number>;
  currency: string | null;
  /** The statement this event is billed on: first day of a month, `YYYY-MM-DD`. */
  billingPeriod: DateColumn;
}

export interface IdempotencyKeysTable {
  tenantId: string;
  scope: string;
  key: string;
  requestHash: string;
  responseStatus: number;
  responseBody: Json;
  createdAt: Timestamp;
}

/** A tenant's search vocabulary (migration 0014): every word of its catalog, kept by triggers; never written by the app. */
export interface CatalogSearchWordsTable {
  tenantId: string;
  /** Lowercase, without accents: what a typed word is compared with. */
  folded: string;
  /** Lowercase, as the catalog writes it: what the search looks for. */
  word: string;
}

/** Words that mean the same to a tenant's callers, searched as one ("gestohlen", "verloren", "sperren"). */
export interface CatalogSynonymGroupsTable {
  tenantId: string;
  id: string;
  terms: string[];
  createdAt: Timestamp;
}

/** The client's own lines operators may transfer a call to (its fraud desk, a branch): one name per tenant. */
export interface DirectoryEntriesTable {
  tenantId: string;
  id: string;
  name: string;
  /** E.164. */
  phone: string;
  /** What operators should know before transferring there. */
  description: string | null;
  /** When it is reachable, in words ("Mon–Fri 08:00–18:00"). */
  reachable: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  sortOrder: ColumnType<number, number | undefined, number>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export const privacyActions = ['search', 'export', 'erasure'] as const;
export type PrivacyAction = (typeof privacyActions)[number];
export const privacyChannels = ['email', 'letter', 'phone', 'in_person', 'web_form', 'other'] as const;
export type PrivacyChannel = (typeof privacyChannels)[number];

/**
 * One search, export or erasure for a person's request (GDPR articles 15 and 17, migration 0022):
 * who ran it, when, why and how many records it found or erased, never the person — their phone
 * number or e-mail is kept only as a salted scrypt digest. Append-only.
 */
export interface PrivacyRequestsTable {
  tenantId: string;
  id: string;
  action: PrivacyAction;
  identifierKind: 'phone' | 'email';
  /** 16 random bytes, hex. */
  identifierSalt: string;
  /** scrypt(identifier as searched, salt), 32 bytes, hex. */
  identifierDigest: string;
  receivedOn: DateColumn;
  channel: PrivacyChannel;
  reference: string;
  requestedBy: string | null;
  requestedByLabel: string;
  at: Timestamp;
  /** Records found (search, export) or erased/anonymised (erasure), per kind. */
  counts: Json;
}

/**
 * One retention run per tenant and local day (migration 0021): claimed by whichever process gets there
 * first, resumed by another if its lease runs out unfinished. `removed` counts per kind, never data.
 */
export interface RetentionRunsTable {
  tenantId: string;
  /** The tenant's local day, `YYYY-MM-DD`. */
  runOn: DateColumn;
  startedAt: Timestamp;
  finishedAt: NullableTimestamp;
  leaseUntil: Timestamp;
  owner: string;
  attempts: Generated<number>;
  personalDataDays: number;
  recordingDays: number;
  personalDataCutoff: Timestamp;
  recordingCutoff: Timestamp;
  /** Record<RetentionKind, number> (api/src/retention/plan.ts). */
  removed: Json;
}

// ---- Outbound campaigns (0030, docs/outbound.md) ----------------------------------------------

export const campaignFunctions = ['outbound_info', 'surveys', 'telesales', 'lead_qualification'] as const;
export type CampaignFunction = (typeof campaignFunctions)[number];
export const dialModes = ['preview', 'progressive', 'predictive'] as const;
export type DialMode = (typeof dialModes)[number];
export const campaignStatuses = ['draft', 'running', 'paused', 'finished'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];
/** What a disposition does to its contact: a success (counted in conversion), done, tried again, refused (60 days), or never called again. */
export const dispositionOutcomes = ['success', 'done', 'retry', 'refused', 'do_not_call'] as const;
export type DispositionOutcome = (typeof dispositionOutcomes)[number];
export const attemptStatuses = ['preview', 'originating', 'ringing', 'connected', 'ended'] as const;
export type AttemptStatus = (typeof attemptStatuses)[number];
export const attemptOutcomes = ['answered', 'machine', 'busy', 'no_answer', 'failed', 'abandoned', 'skipped', 'cancelled'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];
export const contactStates = ['pending', 'dialing', 'done', 'excluded'] as const;
export type ContactState = (typeof contactStates)[number];

/** `{start: "HH:MM", end: "HH:MM"}` per weekday (`mon`…`sun`), in the callee's zone. */
export type WeekWindow = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { start: string; end: string }[]>>;
export interface RetryRules {
  busyMinutes: number;
  noAnswerMinutes: number;
  machineMinutes: number;
  failedMinutes: number;
  maxAttempts: number;
}
export interface CampaignDisposition {
  /** One of the tenant's wrap-up codes. */
  code: string;
  outcome: DispositionOutcome;
  /** Billed as this metric when the price list names it (`sale`, `completed_survey`). */
  usageMetric?: 'sale' | 'completed_survey';
}

export interface CampaignsTable {
  tenantId: string;
  id: string;
  name: string;
  /** A CampaignFunction; for a `callbacks` campaign, the inbound function its requests were made on. */
  function: string;
  /** `callbacks`: the company's callback requests (after hours, or a queue overflowing), dialled like a campaign. */
  kind: Generated<'campaign' | 'callbacks'>;
  scriptId: string | null;
  /** E.164: one of the tenant's numbers, presented to the callee. */
  callerId: string;
  mode: DialMode;
  status: Generated<CampaignStatus>;
  startsOn: ColumnType<string | null, string | null | undefined, string | null>;
  endsOn: ColumnType<string | null, string | null | undefined, string | null>;
  callingHours: TypedJson<WeekWindow>;
  retryRules: TypedJson<RetryRules>;
  dispositions: TypedJson<CampaignDisposition[]>;
  /** api/src/calling-rules/profiles.ts: `fr`, `fr_existing_customers`, `none`… */
  rulesProfile: Generated<string>;
  requiresConsent: Generated<boolean>;
  abandonCapPercent: ColumnType<string | number, number | undefined, number>;
  abandonMessage: string;
  ringTimeoutSeconds: Generated<number>;
  maxDialRatio: ColumnType<string | number, number | undefined, number>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  updatedBy: string;
}

export interface ContactListsTable {
  tenantId: string;
  id: string;
  campaignId: string;
  name: string;
  status: Generated<'active' | 'paused'>;
  rowCount: Generated<number>;
  createdAt: Timestamp;
  createdBy: string;
}

export interface CampaignContactsTable {
  tenantId: string;
  id: string;
  campaignId: string;
  listId: string;
  /** The contact's line in the file it was imported from. */
  lineNumber: number;
  phone: string;
  name: string | null;
  email: string | null;
  /** The callee's IANA zone: the rules' hours are theirs. */
  timeZone: string;
  /** French department (`75`, `57`, `971`…) where known: its own public holidays. */
  region: string | null;
  postcode: string | null;
  /** Custom fields the script shows: {label: text}. */
  fields: TypedJson<Record<string, string>>;
  customerId: string | null;
  state: Generated<ContactState>;
  attempts: Generated<number>;
  nextAttemptAt: Timestamp;
  lastOutcome: string | null;
  lastAttemptAt: NullableTimestamp;
  disposition: string | null;
  /** A callback: placed at that instant, first in line; for one operator when set, else for anyone on the campaign. */
  callbackAt: NullableTimestamp;
  callbackOperatorId: string | null;
  callbackNote: string | null;
  /** The inbound callback request the contact answers (a `callbacks` campaign). */
  callbackRequestId: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface DialAttemptsTable {
  tenantId: string;
  id: string;
  campaignId: string;
  contactId: string;
  phone: string;
  callerId: string;
  calleeTimeZone: string;
  mode: DialMode | 'callback';
  /** The operator the attempt is reserved for (preview, progressive, a callback for them); null: predictive. */
  operatorId: string | null;
  status: AttemptStatus;
  /** Who places the call (0032): 'twilio' when the caller ID is one of the connected Twilio account's numbers. */
  adapter: Generated<TelephonyAdapterKind>;
  outcome: AttemptOutcome | null;
  skipReason: string | null;
  /** The call once a person answered and an operator was connected. */
  callId: string | null;
  createdAt: Timestamp;
  /** When the rules allowed it and it went to the adapter: what the 4-in-30-days rule counts. */
  dialledAt: NullableTimestamp;
  answeredAt: NullableTimestamp;
  endedAt: NullableTimestamp;
}

export interface DialRefusalsTable {
  tenantId: string;
  id: string;
  campaignId: string;
  contactId: string | null;
  phone: string;
  at: Timestamp;
  rule: string;
  detail: string;
}

export interface DoNotCallTable {
  tenantId: string;
  phone: string;
  source: 'desk' | 'portal' | 'import';
  note: string | null;
  addedAt: Timestamp;
  addedBy: string;
}

export interface SolicitationRefusalsTable {
  tenantId: string;
  id: string;
  phone: string;
  campaignId: string | null;
  refusedAt: Timestamp;
}

export interface OppositionListsTable {
  tenantId: string;
  id: string;
  source: 'bloctel' | 'other';
  name: string;
  checkedOn: DateColumn;
  rowCount: Generated<number>;
  uploadedAt: Timestamp;
  uploadedBy: string;
}

export interface OppositionNumbersTable {
  tenantId: string;
  listId: string;
  phone: string;
}

export interface ConsentsTable {
  tenantId: string;
  id: string;
  phone: string;
  source: string;
  givenAt: Timestamp;
  withdrawnAt: NullableTimestamp;
  recordedAt: Timestamp;
  recordedBy: string;
}

/** Issue 16 (0031): what the provider promised a client, per company (function null) or per function, in force from a date. Null targets are not in the contract. */
export interface ServiceContractsTable {
  tenantId: string;
  id: string;
  function: string | null;
  /** The company's calendar date this version applies from (YYYY-MM-DD). */
  effectiveFrom: DateColumn;
  serviceLevelPercent: ColumnType<string | number | null, number | null | undefined, number | null>;
  serviceLevelSeconds: Generated<number>;
  /** Abandons under this many seconds are not counted at all (0: every abandon counts). */
  shortAbandonSeconds: Generated<number>;
  /** Whether calls abandoned after the threshold count in the service level's denominator. */
  abandonedInDenominator: Generated<boolean>;
  maxAbandonPercent: ColumnType<string | number | null, number | null | undefined, number | null>;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  fcrDays: Generated<number>;
  fcrPercent: ColumnType<string | number | null, number | null | undefined, number | null>;
  complaintsOnTimePercent: ColumnType<string | number | null, number | null | undefined, number | null>;
  qualityMinScore: ColumnType<string | number | null, number | null | undefined, number | null>;
  contactRatePercent: ColumnType<string | number | null, number | null | undefined, number | null>;
  conversionPercent: ColumnType<string | number | null, number | null | undefined, number | null>;
  /** {kpi: amountMinor}: what a missed target credits, when credits are enabled. */
  credits: Json;
  creditsEnabled: Generated<boolean>;
  clientOperatorNames: Generated<'full' | 'first_name' | 'pseudonym'>;
  notes: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  updatedBy: string;
}

/** Sums per (tenant, function, quarter hour) a report adds up (0031); a call counts in the quarter hour it was offered. */
export interface QueueIntervalsTable {
  tenantId: string;
  function: string;
  intervalStart: Timestamp;
  direction: Generated<'inbound' | 'outbound'>;
  offered: Generated<number>;
  answered: Generated<number>;
  answeredInTarget: Generated<number>;
  abandoned: Generated<number>;
  abandonedShort: Generated<number>;
  abandonedInTarget: Generated<number>;
  overflowed: Generated<number>;
  afterHours: Generated<number>;
  answerWaitSeconds: ColumnType<string | number, number | undefined, number>;
  abandonWaitSeconds: ColumnType<string | number, number | undefined, number>;
  maxWaitSeconds: Generated<number>;
  handled: Generated<number>;
  talkSeconds: ColumnType<string | number, number | undefined, number>;
  holdSeconds: ColumnType<string | number, number | undefined, number>;
  wrapSeconds: ColumnType<string | number, number | undefined, number>;
  transfers: Generated<number>;
  fcrBase: Generated<number>;
  fcrRepeated: Generated<number>;
}

/** Sums per (tenant, operator, function, quarter hour) (0031). */
export interface OperatorIntervalsTable {
  tenantId: string;
  operatorId: string;
  function: string;
  intervalStart: Timestamp;
  handled: Generated<number>;
  talkSeconds: ColumnType<string | number, number | undefined, number>;
  holdSeconds: ColumnType<string | number, number | undefined, number>;
  wrapSeconds: ColumnType<string | number, number | undefined, number>;
  transfers: Generated<number>;
}

/** Seconds per operator, quarter hour, state and break reason ('' for none), global (0031). */
export interface OperatorStateIntervalsTable {
  operatorId: string;
  intervalStart: Timestamp;
  state: OperatorState;
  breakReason: Generated<string>;
  seconds: Generated<number>;
}

export const serviceCreditStatuses = ['proposed', 'confirmed', 'waived'] as const;
export type ServiceCreditStatus = (typeof serviceCreditStatuses)[number];

/** A missed target's credit for a month (0031): proposed, then confirmed or waived by a provider admin before the month closes. */
export interface ServiceCreditsTable {
  tenantId: string;
  id: string;
  /** The month's first day (YYYY-MM-01). */
  period: DateColumn;
  kpi: string;
  function: string | null;
  contractId: string;
  target: ColumnType<string | number, number, number>;
  actual: ColumnType<string | number | null, number | null | undefined, number | null>;
  amountMinor: Minor;
  currency: string;
  status: Generated<ServiceCreditStatus>;
  decidedAt: NullableTimestamp;
  decidedBy: string | null;
  createdAt: Timestamp;
}

export interface QualityFormsTable {
  tenantId: string;
  id: string;
  name: string;
  /** Functions whose calls the form evaluates; empty: every function. */
  functions: ColumnType<string[], string[] | undefined, string[]>;
  archived: Generated<boolean>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  updatedBy: string;
}

export interface QualityFormVersionsTable {
  tenantId: string;
  formId: string;
  version: number;
  /** {sections: [{id, title, questions: [{id, text, kind, scaleMax?, weight, naAllowed, critical, guidance?}]}]} (api/src/quality). */
  definition: Json;
  status: Generated<'draft' | 'published'>;
  publishedAt: NullableTimestamp;
  publishedBy: string | null;
  createdAt: Timestamp;
  createdBy: string;
}

export interface QualityCalibrationsTable {
  tenantId: string;
  id: string;
  callId: string;
  formId: string;
  formVersion: number;
  evaluatorIds: ColumnType<string[], string[], string[]>;
  status: Generated<'open' | 'closed'>;
  createdAt: Timestamp;
  createdBy: string;
  closedAt: NullableTimestamp;
}

export interface QualityEvaluationsTable {
  tenantId: string;
  id: string;
  callId: string;
  operatorId: string;
  evaluatorId: string;
  evaluatorLabel: string;
  formId: string;
  formVersion: number;
  calibrationId: string | null;
  /** {questionId: {answer: 'yes'|'no'|'partial'|'na'|number, comment?}}. */
  answers: Json;
  comment: string | null;
  status: Generated<'draft' | 'submitted'>;
  score: ColumnType<string | number | null, number | null | undefined, number | null>;
  criticalFailed: Generated<boolean>;
  submittedAt: NullableTimestamp;
  acknowledgedAt: NullableTimestamp;
  acknowledgement: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export const qualitySampleReasons = ['random', 'long', 'transfer', 'complaint', 'low_satisfaction'] as const;
export type QualitySampleReason = (typeof qualitySampleReasons)[number];

export interface QualitySamplesTable {
  tenantId: string;
  id: string;
  callId: string;
  operatorId: string;
  /** The Monday (company's calendar) of the sampled week. */
  week: DateColumn;
  reason: QualitySampleReason;
  status: Generated<'pending' | 'evaluated' | 'skipped'>;
  evaluationId: string | null;
  createdAt: Timestamp;
}

export interface QualitySettingsTable {
  tenantId: string;
  samplesPerOperatorWeek: Generated<number>;
  /** Relative weights per sample reason. */
  sampleWeights: Json;
  /** Client users of this company who may evaluate calls. */
  clientEvaluatorIds: ColumnType<string[], string[] | undefined, string[]>;
  updatedAt: Timestamp;
  updatedBy: string;
}

export interface DB {
  tenants: TenantsTable;
  users: UsersTable;
  sessions: SessionsTable;
  loginThrottle: LoginThrottleTable;
  platformAuditLog: PlatformAuditLogTable;
  tenantMembers: TenantMembersTable;
  memberInvitations: MemberInvitationsTable;
  operatorAssignments: OperatorAssignmentsTable;
  auditLog: AuditLogTable;
  catalogItems: CatalogItemsTable;
  tariffs: TariffsTable;
  promotions: PromotionsTable;
  knowledgeArticles: KnowledgeArticlesTable;
  hoursSchedules: HoursSchedulesTable;
  hoursSlots: HoursSlotsTable;
  hoursOverrides: HoursOverridesTable;
  hoursFunctions: HoursFunctionsTable;
  wrapUpCodes: WrapUpCodesTable;
  scripts: ScriptsTable;
  scriptVersions: ScriptVersionsTable;
  prices: PricesTable;
  tenantPrices: TenantPricesTable;
  billingAccounts: BillingAccountsTable;
  stripeEvents: StripeEventsTable;
  statements: StatementsTable;
  statementLines: StatementLinesTable;
  invoices: InvoicesTable;
  billingOutbox: BillingOutboxTable;
  delegations: DelegationsTable;
  confidentialityRules: ConfidentialityRulesTable;
  operatorPresence: OperatorPresenceTable;
  operatorStateLog: OperatorStateLogTable;
  telephonySignatures: TelephonySignaturesTable;
  callSettings: CallSettingsTable;
  phoneNumbers: PhoneNumbersTable;
  calls: CallsTable;
  callEvents: CallEventsTable;
  callSatisfaction: CallSatisfactionTable;
  callQueue: CallQueueTable;
  callbackRequests: CallbackRequestsTable;
  customers: CustomersTable;
  orders: OrdersTable;
  complaints: ComplaintsTable;
  informationRequests: InformationRequestsTable;
  usageEvents: UsageEventsTable;
  idempotencyKeys: IdempotencyKeysTable;
  catalogSearchWords: CatalogSearchWordsTable;
  catalogSynonymGroups: CatalogSynonymGroupsTable;
  directoryEntries: DirectoryEntriesTable;
  privacyRequests: PrivacyRequestsTable;
  recordingAccess: RecordingAccessTable;
  retentionRuns: RetentionRunsTable;
  orderCounters: OrderCountersTable;
  callAnswerSets: CallAnswerSetsTable;
  callAnswers: CallAnswersTable;
  leads: LeadsTable;
  customerRecordChanges: CustomerRecordChangesTable;
  surveyTallies: SurveyTalliesTable;
  surveyQuestionCounts: SurveyQuestionCountsTable;
  surveyValueCounts: SurveyValueCountsTable;
  surveyWordCounts: SurveyWordCountsTable;
  campaigns: CampaignsTable;
  contactLists: ContactListsTable;
  campaignContacts: CampaignContactsTable;
  dialAttempts: DialAttemptsTable;
  dialRefusals: DialRefusalsTable;
  doNotCall: DoNotCallTable;
  solicitationRefusals: SolicitationRefusalsTable;
  oppositionLists: OppositionListsTable;
  oppositionNumbers: OppositionNumbersTable;
  consents: ConsentsTable;
  serviceContracts: ServiceContractsTable;
  queueIntervals: QueueIntervalsTable;
  operatorIntervals: OperatorIntervalsTable;
  operatorStateIntervals: OperatorStateIntervalsTable;
  serviceCredits: ServiceCreditsTable;
  qualityForms: QualityFormsTable;
  qualityFormVersions: QualityFormVersionsTable;
  qualityCalibrations: QualityCalibrationsTable;
  qualityEvaluations: QualityEvaluationsTable;
  qualitySamples: QualitySamplesTable;
  qualitySettings: QualitySettingsTable;
  telephonyCommands: TelephonyCommandsTable;
  telephonyAdapters: TelephonyAdaptersTable;
  twilioAccounts: TwilioAccountsTable;
  twilioNumbers: TwilioNumbersTable;
  tenantAudio: TenantAudioTable;
  ivrMenus: IvrMenusTable;
  menuVisits: MenuVisitsTable;
}

export const telephonyCommandStatuses = ['pending', 'delivered', 'failed', 'expired'] as const;
export type TelephonyCommandStatus = (typeof telephonyCommandStatuses)[number];

/** The push boundary's outbox (0032, api/src/telephony/commands.ts). */
export interface TelephonyCommandsTable {
  tenantId: string;
  id: string;
  seq: Generated<string>;
  adapter: TelephonyAdapterKind;
  callId: string | null;
  dialId: string | null;
  kind: string;
  payload: Json;
  status: Generated<TelephonyCommandStatus>;
  attempts: Generated<number>;
  nextAttemptAt: Timestamp;
  claimedUntil: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  lastError: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  deliveredAt: NullableTimestamp;
}

/** A push adapter's registered callback (global, 0032). */
export interface TelephonyAdaptersTable {
  name: string;
  callbackUrl: string;
  registeredAt: Timestamp;
  lastDeliveryAt: NullableTimestamp;
  lastError: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The provider's Twilio account (global, one row, 0032): secrets encrypted with SECRETS_KEY (api/src/twilio/secrets.ts). */
export interface TwilioAccountsTable {
  id: Generated<'default'>;
  accountSid: string;
  authTokenEnc: string;
  apiKeySid: string | null;
  apiKeySecretEnc: string | null;
  twimlAppSid: string | null;
  connectedAt: Timestamp;
  connectedBy: string;
  updatedAt: Timestamp;
}

/** The connected account's numbers (global, 0032); the company a number serves is its phone_numbers row. */
export interface TwilioNumbersTable {
  sid: string;
  number: string;
  friendlyName: Generated<string>;
  webhooksConfiguredAt: NullableTimestamp;
  syncedAt: Timestamp;
}

export interface TenantAudioTable {
  tenantId: string;
  id: string;
  name: string;
  mime: 'audio/mpeg' | 'audio/wav';
  size: number;
  content: Uint8Array;
  /** The company's hold music (0038): at most one upload per company; none, Twilio's default. */
  holdMusic: Generated<boolean>;
  createdAt: Timestamp;
  createdBy: string;
}

/** A keypad menu for one of the company's numbers (0032, api/src/ivr/menu.ts). */
export interface IvrMenusTable {
  tenantId: string;
  number: string;
  definition: Json;
  enabled: Generated<boolean>;
  updatedAt: Timestamp;
  updatedBy: string;
}

/** A caller's walk through a number's keypad menu (0039, api/src/ivr/visits.ts): one row per carrier call id. */
export interface MenuVisitsTable {
  tenantId: string;
  id: string;
  number: string;
  carrierRef: string;
  keys: Generated<string>;
  node: string | null;
  outcome: Generated<'in_menu' | 'routed' | 'message'>;
  function: string | null;
  startedAt: Timestamp;
  updatedAt: Timestamp;
}

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
export type TenantUpdate = Updateable<TenantsTable>;
export type User = Selectable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type OperatorAssignment = Selectable<OperatorAssignmentsTable>;
export type TenantMember = Selectable<TenantMembersTable>;

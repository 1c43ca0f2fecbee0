import type { InferRequestType, InferResponseType } from 'hono/client';
import type { api } from './client.ts';

/** Response and request shapes, derived from the API's routes (never copied by hand). */
type Client = typeof api;
type TenantClient = Client['t'][':tenant'];

export type Me = InferResponseType<Client['me']['$get'], 200>;
export type MeUser = Me['user'];
export type UserKind = MeUser['kind'];
export type ActableTenant = Me['tenants'][number];
export type Permission = Me['permissions'][number];

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
export type PendingInvitation = InferResponseType<TenantClient['members']['$get'], 200>['invitations'][number];
export type ColleagueInvitation = InferResponseType<TenantClient['members']['$post'], 201>;
export type MyInvitation = InferResponseType<Client['me']['invitations']['$get'], 200>['invitations'][number];
export type AssignedOperator = InferResponseType<TenantClient['operators']['$get'], 200>['operators'][number];
export type AuditPage = InferResponseType<TenantClient['audit']['$get'], 200>;
export type AuditEntry = AuditPage['entries'][number];

export type HoursPage = InferResponseType<TenantClient['hours']['$get'], 200>;
export type HoursDefinition = HoursPage['hours'];
export type HoursStatus = InferResponseType<TenantClient['hours']['status']['$get'], 200>;
export type Rules = InferResponseType<TenantClient['rules']['$get'], 200>;
export type AfterHoursAction = HoursDefinition['functionSchedules'][number]['afterHours']['action'];

type CatalogClient = TenantClient['catalog'];
export type CatalogItem = InferResponseType<CatalogClient['items']['$get'], 200>['items'][number];
export type CatalogItemBody = InferRequestType<CatalogClient['items']['$post']>['json'];
export type Tariff = InferResponseType<CatalogClient['tariffs']['$get'], 200>['items'][number];
export type TariffBody = InferRequestType<CatalogClient['tariffs']['$post']>['json'];
export type Promotion = InferResponseType<CatalogClient['promotions']['$get'], 200>['items'][number];
export type PromotionBody = InferRequestType<CatalogClient['promotions']['$post']>['json'];
export type KnowledgeArticle = InferResponseType<CatalogClient['articles']['$get'], 200>['items'][number];
export type KnowledgeArticleBody = InferRequestType<CatalogClient['articles']['$post']>['json'];
export type CatalogSearchResult = InferResponseType<CatalogClient['search']['$get'], 200>['results'][number];

type ScriptsClient = TenantClient['scripts'];
export type ScriptSummary = InferResponseType<ScriptsClient['$get'], 200>['scripts'][number];
export type ScriptDraft = InferResponseType<ScriptsClient[':function']['draft']['$get'], 200>;
export type ScriptVersionSummary = InferResponseType<ScriptsClient[':function']['versions']['$get'], 200>['versions'][number];
export type ScriptVersion = InferResponseType<ScriptsClient[':function']['versions'][':version']['$get'], 200>;
export type ScriptDiff = InferResponseType<ScriptsClient[':function']['diff']['$get'], 200>;
export type WrapUpCode = InferResponseType<TenantClient['wrap-up-codes']['$get'], 200>['codes'][number];
export type ScriptTemplate = InferResponseType<ScriptsClient['templates']['$get'], 200>['templates'][number];

export type DelegationsPage = InferResponseType<TenantClient['delegations']['$get'], 200>;
export type Delegation = DelegationsPage['functions'][number];
export type DelegationEstimate = InferResponseType<TenantClient['delegations']['estimate']['$get'], 200>;
export type FunctionPrice = InferResponseType<Client['function-prices']['$get'], 200>['prices'][number];
export type PriceMetric = FunctionPrice['metric'];

// Billing (issue 5).
type BillingClient = TenantClient['billing'];
export type UsagePage = InferResponseType<TenantClient['usage']['$get'], 200>;
export type StatementSummary = InferResponseType<TenantClient['statements']['$get'], 200>['statements'][number];
export type Statement = InferResponseType<TenantClient['statements'][':period']['$get'], 200>;
export type StatementLine = Statement['lines'][number];
export type Invoice = InferResponseType<TenantClient['invoices']['$get'], 200>['invoices'][number];
export type TenantPrices = InferResponseType<BillingClient['prices']['$get'], 200>;
export type BillingAccount = InferResponseType<BillingClient['account']['$get'], 200>;
export type BillingOverview = InferResponseType<Client['billing']['overview']['$get'], 200>;
export type BillingOverviewTenant = BillingOverview['tenants'][number];

// The provider's dated price list (admin price editor).
export type PriceVersions = InferResponseType<Client['billing']['prices']['$get'], 200>;
export type PriceVersion = PriceVersions['prices'][number];
export type PriceInput = InferRequestType<Client['billing']['prices']['$post']>['json']['prices'][number];
export type BillingMetric = PriceVersion['metric'];
export type RoundingMode = NonNullable<PriceVersion['rounding']>;

export type GoLive = InferResponseType<TenantClient['go-live']['$get'], 200>;
export type GoLiveFunction = GoLive['functions'][number];
export type GoLiveItem = GoLiveFunction['items'][number];
export type SimilarBrandColors = InferResponseType<Client['brand-colors']['similar']['$get'], 200>;

export type TwilioAccountState = InferResponseType<Client['carrier']['twilio']['$get'], 200>;
export type TwilioNumber = TwilioAccountState['numbers'][number];
export type VoiceSettings = InferResponseType<Client['desk']['voice']['$get'], 200>;
export type VoiceLegKind = NonNullable<VoiceSettings['leg']>['kind'];

export type IvrMenu = InferResponseType<TenantClient['ivr-menus']['$get'], 200>['menus'][number];
export type AudioItem = InferResponseType<TenantClient['audio']['$get'], 200>['audio'][number];

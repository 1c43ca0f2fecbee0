export { createApp, type AppType, type AppOptions } from './app.ts';
export { loadConfig, type Config } from './config.ts';
export type { Deps, SessionUser, Actor } from './http/env.ts';
export { createTenant, updateTenant, type CreateTenantInput } from './tenants/service.ts';
export { inviteMemberIn, type Invitation } from './members/service.ts';
export { hashPassword, verifyPassword, publishedDemoPassword } from './auth/passwords.ts';
export { writeAudit, writePlatformAudit } from './audit/write.ts';
export { ProblemError } from './http/problem.ts';
export { TimeZoneSchema, LocaleSchema, CurrencySchema, SlugSchema, DisplayNameSchema, SkillSchema, isFreeTextSchema } from './http/validators.ts';
export { EmailSchema } from './auth/schemas.ts';
export { createUserWithTemporaryPassword, type CreatedUser } from './users/create-user.ts';
export { TenantProfileFieldSchemas, BrandColorSchema } from './tenants/schemas.ts';
export {
  HoursDefinitionSchema,
  hoursIssues,
  normalizeHours,
  emptyHours,
  weekdays,
  type HoursDefinition,
  type HoursDefinitionInput,
} from './hours/definition.ts';
export { loadHours, replaceHours } from './hours/service.ts';
export { hoursStatus, type HoursStatus, type TenantHours } from './hours/status.ts';
export {
  listWrapUpCodes,
  createWrapUpCode,
  updateWrapUpCode,
  publishScript,
  latestPublishedScripts,
  type PublishedVersion,
} from './scripts/service.ts';
export * as catalog from './catalog/index.ts';
export { DelegationInputSchema, FunctionPriceSchema, PriceListSchema, delegationProblems, listDelegations, loadPrices, parseInHouse, replacePrices, setDelegation } from './delegations/index.ts';
export type { Delegation, DelegationInput, FunctionPrice, PriceList } from './delegations/index.ts';
export {
  billingMetrics,
  comparePrices,
  entryProblems,
  keyOf as priceKeyOf,
  listPriceVersions,
  lockPriceList,
  PriceInputSchema,
  PriceSchema,
  priceState,
  utcDay,
  type Price,
  type PriceEntry,
  type PriceInput,
  type PriceScope,
} from './billing/prices.ts';
export { syncPrices } from './billing/price-sync.ts';
export { BillingAccountInputSchema, hasBillingAccount, loadBillingAccount, setBillingAccount, type BillingAccountInput } from './billing/accounts.ts';
export * as rules from './rules/index.ts';
export { loadRules, replaceRules, hasSavedRules, type RulesReplaced } from './rules/service.ts';
export * as callHandling from './call-handling/index.ts';
export * as ivr from './ivr/index.ts';
export { EventHub, type Subscriber, type HubSource, type HubOptions } from './events/hub.ts';
export { publish, EVENTS_CHANNEL, type BusEvent } from './events/publish.ts';
export { computeWallboard, type Wallboard } from './wallboard/compute.ts';
export { RoutingSchema, RoutingEntrySchema, normalizeRouting, routingIssues, storedRouting, type Routing } from './operators/routing.ts';
export { dispatch, type DispatchReport } from './routing/dispatch.ts';
export { startRouting, requestDispatch, type RoutingDeps } from './routing/ticker.ts';
export { dialerPass, startDialer, type DialerDeps, type DialerReport } from './dialer/pass.ts';
export { closeTimedOutCalls, startCallTimeouts, type CallTimeoutsDeps, type TimeoutsReport } from './routing/timeouts.ts';
export {
  foldOnce,
  foldCallsBatch,
  foldStatesBatch,
  startKpiFolding,
  type FoldReport,
  type KpiFoldingDeps,
} from './kpis/fold.ts';
export { recomputeTenant, recomputeStates, computeIntervals, computeStateIntervals, type ComputedIntervals } from './kpis/recompute.ts';
export { signTelephonyRequest } from './telephony/signature.ts';
export { recordUsage, type UsageInput } from './usage/record.ts';
export { billingOf, type BillingProvider } from './billing/provider.ts';
export { noBilling, localInvoiceNumber } from './billing/none.ts';
export * as stripeBilling from './billing/stripe/index.ts';
export { closePeriodsOnce, startBillingClose, type BillingCloseDeps } from './billing/close.ts';
export { contractChanged, recomputeRange } from './contracts/service.ts';
export { creditKpiNames } from './contracts/definition.ts';
export { loadStatement } from './billing/statements.ts';
export { markSampleEvaluated, runSamplingOnce, sampleWeek, startQualitySampling, weekOf, type SamplingDeps } from './quality/sampling.ts';
export { runRetentionOnce, startRetention, type RetentionDeps, type RetentionOutcome } from './retention/job.ts';
export * as retentionPlan from './retention/plan.ts';
export { usageReport } from './billing/usage-report.ts';
export {
  DirectoryEntryInputSchema,
  createDirectoryEntry,
  listDirectory,
  updateDirectoryEntry,
  type DirectoryEntry,
  type DirectoryEntryInput,
} from './directory/service.ts';
export { wrapUp } from './desk/call-actions.ts';
export { housekeepOnce, startHousekeeping, IDEMPOTENCY_KEY_HOURS, type PurgeReport, type HousekeepingDeps } from './housekeeping/purge.ts';
export { runWithTimeout, startPeriodic, settleWithin, PassTimeoutError, type StopPeriodic } from './periodic.ts';
export { clientAddressFrom, type ProxyTrust } from './http/client-address.ts';
export { digestMatches, identifierDigest, erasePerson, exportPerson, searchPerson } from './privacy/service.ts';
export { csvCell, toCsv } from './records/common.ts';
export { recomputeSurveyCounts } from './surveys/recompute.ts';
export { applyContractVersion, type ContractVersionInput } from './contracts/apply.ts';
// The demo's history (scripts/src/simulator/history.ts) plays past days through the live code paths, each given its `now`.
export { receiveCall } from './telephony/incoming.ts';
export { deliverOnce, startDelivery, pushCommand, retryDelayMs, type DeliveryDeps, type DeliveryReport, type PushedCommand } from './telephony/delivery.ts';
export { acceptCall, hangUp, transferCall } from './desk/call-actions.ts';
export { setDeskState } from './desk/state.ts';
export { endCall } from './routing/lifecycle.ts';
export { recordSatisfaction } from './satisfaction/service.ts';
export { formDefinitionSchema, type FormDefinition } from './quality/form.ts';

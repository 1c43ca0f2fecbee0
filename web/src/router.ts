import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import type { Permission, UserKind } from './api/types.ts';
import { watch } from 'vue';
import { can, homePath, loadMe, session } from './session.ts';
import { i18n, t } from './i18n/index.ts';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** Rendered without the app's header (login, forced password change). */
    bare?: boolean;
    /** Who may open the page; others are sent home. */
    kinds?: UserKind[];
    /** The permission (api/src/http/permissions.ts) the page needs; others are sent home. */
    permission?: Permission;
    /** The page's name in the tab: a message key (`pages.*`), read in the interface's language. */
    title?: string;
  }
}

const providerStaff: UserKind[] = ['provider_admin', 'supervisor'];
const tenantReaders: UserKind[] = ['provider_admin', 'supervisor', 'client_admin'];

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: { render: () => null } },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, bare: true, title: 'pages.login' } },
    {
      path: '/welcome/password',
      name: 'first-password',
      component: () => import('./views/ChangePasswordView.vue'),
      props: { forced: true },
      meta: { bare: true, title: 'pages.firstPassword' },
    },
    {
      path: '/account/password',
      name: 'password',
      component: () => import('./views/ChangePasswordView.vue'),
      props: { forced: false },
      meta: { title: 'pages.password' },
    },
    {
      path: '/admin/tenants',
      name: 'tenants',
      component: () => import('./views/admin/TenantsView.vue'),
      meta: { kinds: providerStaff, title: 'pages.tenants' },
    },
    {
      path: '/admin/tenants/new',
      name: 'tenant-new',
      component: () => import('./views/admin/OnboardTenantView.vue'),
      meta: { kinds: ['provider_admin'], title: 'pages.tenantNew' },
    },
    {
      path: '/admin/staff',
      name: 'staff',
      component: () => import('./views/admin/StaffView.vue'),
      meta: { kinds: providerStaff, title: 'pages.staff' },
    },
    {
      path: '/admin/prices',
      name: 'prices',
      component: () => import('./views/admin/PricesView.vue'),
      meta: { kinds: providerStaff, title: 'pages.prices' },
    },
    {
      path: '/admin/billing',
      name: 'billing',
      component: () => import('./views/admin/BillingView.vue'),
      meta: { kinds: providerStaff, title: 'pages.billing' },
    },
    {
      path: '/admin/reports',
      name: 'reports-compare',
      component: () => import('./views/admin/ReportsCompareView.vue'),
      meta: { permission: 'reports.compare', title: 'pages.reportsCompare' },
    },
    {
      path: '/admin/campaigns',
      name: 'live-campaigns',
      component: () => import('./views/admin/LiveCampaignsView.vue'),
      meta: { permission: 'campaigns.board', title: 'pages.liveCampaigns' },
    },
    {
      path: '/admin/telephony',
      name: 'telephony',
      component: () => import('./views/admin/TelephonyView.vue'),
      meta: { permission: 'telephony.read', title: 'pages.telephony' },
    },
    {
      path: '/wallboard',
      name: 'wallboard',
      component: () => import('./views/wallboard/WallboardView.vue'),
      meta: { kinds: providerStaff, title: 'pages.wallboard' },
    },
    {
      path: '/operator',
      name: 'operator-home',
      component: () => import('./views/operator/OperatorHomeView.vue'),
      meta: { kinds: ['operator'], title: 'pages.operatorHome' },
    },
    {
      path: '/operator/evaluations',
      name: 'operator-evaluations',
      component: () => import('./views/operator/MyEvaluationsView.vue'),
      meta: { kinds: ['operator'], permission: 'quality.own', title: 'pages.myEvaluations' },
    },
    {
      path: '/desk',
      name: 'desk',
      component: () => import('./views/desk/DeskView.vue'),
      meta: { kinds: ['operator'], bare: true, title: 'pages.desk' },
    },
    {
      path: '/no-company',
      name: 'no-company',
      component: () => import('./views/NoCompanyView.vue'),
      meta: { title: 'pages.noCompany' },
    },
    {
      path: '/t/:slug',
      component: () => import('./views/tenant/TenantLayout.vue'),
      children: [
        { path: '', name: 'tenant-overview', component: () => import('./views/tenant/TenantOverview.vue') },
        { path: 'scripts', name: 'tenant-scripts', component: () => import('./views/tenant/TenantScripts.vue'), meta: { title: 'pages.scripts' } },
        {
          path: 'scripts/:function',
          name: 'tenant-script-editor',
          component: () => import('./views/tenant/ScriptEditor.vue'),
          meta: { title: 'pages.scriptEditor' },
        },
        { path: 'functions', name: 'tenant-functions', component: () => import('./views/tenant/TenantFunctions.vue'), meta: { title: 'pages.functions' } },
        { path: 'rules', name: 'tenant-rules', component: () => import('./views/tenant/TenantRules.vue'), meta: { title: 'pages.rules' } },
        { path: 'contract', name: 'tenant-contract', component: () => import('./views/tenant/TenantContract.vue'), meta: { permission: 'contracts.read', title: 'pages.contract' } },
        { path: 'call-handling', name: 'tenant-call-handling', component: () => import('./views/tenant/TenantCallHandling.vue'), meta: { title: 'pages.callHandling' } },
        { path: 'hours', name: 'tenant-hours', component: () => import('./views/tenant/TenantHours.vue'), meta: { title: 'pages.hours' } },
        { path: 'catalog', name: 'tenant-catalog', component: () => import('./views/tenant/TenantCatalog.vue'), meta: { title: 'pages.catalog' } },
        { path: 'phone-menus', name: 'tenant-ivr', component: () => import('./views/tenant/TenantIvr.vue'), meta: { permission: 'ivr.read', title: 'pages.ivr' } },
        { path: 'directory', name: 'tenant-directory', component: () => import('./views/tenant/TenantDirectory.vue'), meta: { title: 'pages.directory' } },
        // Issue 16, quality: each works on its own; the quality page links them.
        { path: 'quality/settings', name: 'tenant-quality-settings', component: () => import('./views/tenant/quality/QualitySettings.vue'), meta: { permission: 'quality.read', title: 'pages.qualitySettings' } },
        { path: 'quality/sampling', name: 'tenant-quality-sampling', component: () => import('./views/tenant/quality/SamplingPanel.vue'), meta: { permission: 'quality.read', title: 'pages.qualitySampling' } },
        { path: 'quality/calibration', name: 'tenant-quality-calibrations', component: () => import('./views/tenant/quality/CalibrationView.vue'), meta: { permission: 'quality.evaluate', title: 'pages.calibration' } },
        { path: 'quality/calibration/:id', name: 'tenant-quality-calibration', component: () => import('./views/tenant/quality/CalibrationView.vue'), meta: { permission: 'quality.evaluate', title: 'pages.calibration' } },
        { path: 'calls', name: 'tenant-calls', component: () => import('./views/tenant/TenantCalls.vue'), meta: { permission: 'records.read', title: 'pages.calls' } },
        { path: 'reports', name: 'tenant-reports', component: () => import('./views/tenant/TenantReports.vue'), meta: { permission: 'reports.read', title: 'pages.reports' } },
        { path: 'satisfaction', name: 'tenant-satisfaction', component: () => import('./views/tenant/TenantSatisfaction.vue'), meta: { permission: 'records.read', title: 'pages.satisfaction' } },
        { path: 'orders', name: 'tenant-orders', component: () => import('./views/tenant/TenantOrders.vue'), meta: { permission: 'records.read', title: 'pages.orders' } },
        {
          path: 'complaints',
          name: 'tenant-complaints',
          component: () => import('./views/tenant/TenantComplaints.vue'),
          meta: { permission: 'records.read', title: 'pages.complaints' },
        },
        { path: 'campaigns', name: 'tenant-campaigns', component: () => import('./views/tenant/TenantCampaigns.vue'), meta: { permission: 'campaigns.read', title: 'pages.campaigns' } },
        {
          path: 'campaigns/new',
          name: 'tenant-campaign-new',
          component: () => import('./views/tenant/campaigns/CampaignEditor.vue'),
          meta: { permission: 'campaigns.manage', title: 'pages.campaignEditor' },
        },
        {
          path: 'campaigns/:id',
          name: 'tenant-campaign',
          component: () => import('./views/tenant/campaigns/CampaignDetail.vue'),
          meta: { permission: 'campaigns.read', title: 'pages.campaign' },
        },
        {
          path: 'campaigns/:id/edit',
          name: 'tenant-campaign-edit',
          component: () => import('./views/tenant/campaigns/CampaignEditor.vue'),
          meta: { permission: 'campaigns.manage', title: 'pages.campaignEditor' },
        },
        { path: 'quality', name: 'tenant-quality', component: () => import('./views/tenant/TenantQuality.vue'), meta: { permission: 'quality.evaluate', title: 'pages.quality' } },
        {
          path: 'quality/forms/:id',
          name: 'tenant-quality-form',
          component: () => import('./views/tenant/quality/QualityFormEditor.vue'),
          meta: { permission: 'quality.forms.manage', title: 'pages.qualityForm' },
        },
        {
          path: 'quality/evaluations/:id',
          name: 'tenant-quality-evaluation',
          component: () => import('./views/tenant/quality/QualityEvaluation.vue'),
          meta: { permission: 'quality.evaluate', title: 'pages.qualityEvaluation' },
        },
        { path: 'leads', name: 'tenant-leads', component: () => import('./views/tenant/TenantLeads.vue'), meta: { permission: 'records.read', title: 'pages.leads' } },
        { path: 'surveys', name: 'tenant-surveys', component: () => import('./views/tenant/TenantSurveys.vue'), meta: { permission: 'records.read', title: 'pages.surveys' } },
        {
          path: 'campaigns/:id/board',
          name: 'tenant-campaign-board',
          component: () => import('./views/tenant/TenantCampaignBoard.vue'),
          meta: { permission: 'campaigns.read', title: 'pages.campaignBoard' },
        },
        { path: 'data-entry', name: 'tenant-data-entry', component: () => import('./views/tenant/TenantDataEntry.vue'), meta: { permission: 'records.read', title: 'pages.dataEntry' } },
        {
          path: 'users',
          name: 'tenant-users',
          component: () => import('./views/tenant/TenantUsers.vue'),
          meta: { kinds: tenantReaders, title: 'pages.users' },
        },
        {
          path: 'operators',
          name: 'tenant-operators',
          component: () => import('./views/tenant/TenantOperators.vue'),
          meta: { kinds: providerStaff, title: 'pages.operators' },
        },
        {
          path: 'billing',
          name: 'tenant-billing',
          component: () => import('./views/tenant/TenantBilling.vue'),
          meta: { kinds: tenantReaders, title: 'pages.billing' },
        },
        {
          path: 'audit',
          name: 'tenant-audit',
          component: () => import('./views/tenant/TenantAudit.vue'),
          meta: { kinds: tenantReaders, title: 'pages.audit' },
        },
        {
          path: 'calling-lists',
          name: 'tenant-calling-lists',
          component: () => import('./views/tenant/TenantCallingLists.vue'),
          meta: { permission: 'callingLists.manage', title: 'pages.callingLists' },
        },
        {
          path: 'privacy',
          name: 'tenant-privacy',
          component: () => import('./views/tenant/TenantPrivacy.vue'),
          meta: { permission: 'privacy.requests', title: 'pages.privacy' },
        },
      ],
    },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: 'pages.notFound' } },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

function safeNext(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : undefined;
}

router.beforeEach(async (to): Promise<boolean | RouteLocationRaw> => {
  if (!session.loaded) await loadMe();
  const me = session.me;
  if (!me) {
    if (to.meta.public) return true;
    // The API is unreachable: stay put, the app shows the error with a retry.
    if (session.loadError) return true;
    return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  }
  // A temporary password is changed before anything else.
  if (me.user.mustChangePassword) return to.name === 'first-password' ? true : { name: 'first-password', query: to.query.next ? { next: to.query.next } : {} };
  if (to.name === 'first-password') return safeNext(to.query.next) ?? homePath(me);
  if (to.name === 'login' || to.name === 'home') return safeNext(to.query.next) ?? homePath(me);
  if (to.meta.kinds && !to.meta.kinds.includes(me.user.kind)) return homePath(me);
  if (to.meta.permission && !can(to.meta.permission)) return homePath(me);
  return true;
});

function showTitle(title: string | undefined) {
  document.title = title ? `${t(title)} · Switchboard` : 'Switchboard';
}
router.afterEach((to) => showTitle(to.meta.title));
// A language switch renames the tab too.
watch(i18n.global.locale, () => showTitle(router.currentRoute.value.meta.title));

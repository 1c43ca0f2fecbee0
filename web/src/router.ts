import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import type { Permission, UserKind } from './api/types.ts';
import { can, homePath, loadMe, session } from './session.ts';

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
    title?: string;
  }
}

const providerStaff: UserKind[] = ['provider_admin', 'supervisor'];
const tenantReaders: UserKind[] = ['provider_admin', 'supervisor', 'client_admin'];

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: { render: () => null } },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, bare: true, title: 'Log in' } },
    {
      path: '/welcome/password',
      name: 'first-password',
      component: () => import('./views/ChangePasswordView.vue'),
      props: { forced: true },
      meta: { bare: true, title: 'Choose your password' },
    },
    {
      path: '/account/password',
      name: 'password',
      component: () => import('./views/ChangePasswordView.vue'),
      props: { forced: false },
      meta: { title: 'Change password' },
    },
    {
      path: '/admin/tenants',
      name: 'tenants',
      component: () => import('./views/admin/TenantsView.vue'),
      meta: { kinds: providerStaff, title: 'Tenants' },
    },
    {
      path: '/admin/tenants/new',
      name: 'tenant-new',
      component: () => import('./views/admin/OnboardTenantView.vue'),
      meta: { kinds: ['provider_admin'], title: 'Onboard a tenant' },
    },
    {
      path: '/admin/staff',
      name: 'staff',
      component: () => import('./views/admin/StaffView.vue'),
      meta: { kinds: providerStaff, title: 'Staff' },
    },
    {
      path: '/admin/prices',
      name: 'prices',
      component: () => import('./views/admin/PricesView.vue'),
      meta: { kinds: providerStaff, title: 'Prices' },
    },
    {
      path: '/admin/billing',
      name: 'billing',
      component: () => import('./views/admin/BillingView.vue'),
      meta: { kinds: providerStaff, title: 'Billing' },
    },
    {
      path: '/wallboard',
      name: 'wallboard',
      component: () => import('./views/wallboard/WallboardView.vue'),
      meta: { kinds: providerStaff, title: 'Wallboard' },
    },
    {
      path: '/operator',
      name: 'operator-home',
      component: () => import('./views/operator/OperatorHomeView.vue'),
      meta: { kinds: ['operator'], title: 'My clients' },
    },
    {
      path: '/desk',
      name: 'desk',
      component: () => import('./views/desk/DeskView.vue'),
      meta: { kinds: ['operator'], bare: true, title: 'Desk' },
    },
    {
      path: '/no-company',
      name: 'no-company',
      component: () => import('./views/NoCompanyView.vue'),
      meta: { title: 'No company' },
    },
    {
      path: '/t/:slug',
      component: () => import('./views/tenant/TenantLayout.vue'),
      children: [
        { path: '', name: 'tenant-overview', component: () => import('./views/tenant/TenantOverview.vue') },
        { path: 'scripts', name: 'tenant-scripts', component: () => import('./views/tenant/TenantScripts.vue'), meta: { title: 'Scripts' } },
        {
          path: 'scripts/:function',
          name: 'tenant-script-editor',
          component: () => import('./views/tenant/ScriptEditor.vue'),
          meta: { title: 'Script editor' },
        },
        { path: 'functions', name: 'tenant-functions', component: () => import('./views/tenant/TenantFunctions.vue'), meta: { title: 'Functions' } },
        { path: 'rules', name: 'tenant-rules', component: () => import('./views/tenant/TenantRules.vue'), meta: { title: 'Rules' } },
        { path: 'call-handling', name: 'tenant-call-handling', component: () => import('./views/tenant/TenantCallHandling.vue'), meta: { title: 'Call handling' } },
        { path: 'hours', name: 'tenant-hours', component: () => import('./views/tenant/TenantHours.vue'), meta: { title: 'Hours' } },
        { path: 'catalog', name: 'tenant-catalog', component: () => import('./views/tenant/TenantCatalog.vue'), meta: { title: 'Catalog' } },
        { path: 'directory', name: 'tenant-directory', component: () => import('./views/tenant/TenantDirectory.vue'), meta: { title: 'Directory' } },
        { path: 'calls', name: 'tenant-calls', component: () => import('./views/tenant/TenantCalls.vue'), meta: { permission: 'records.read', title: 'Calls' } },
        { path: 'orders', name: 'tenant-orders', component: () => import('./views/tenant/TenantOrders.vue'), meta: { permission: 'records.read', title: 'Orders' } },
        {
          path: 'complaints',
          name: 'tenant-complaints',
          component: () => import('./views/tenant/TenantComplaints.vue'),
          meta: { permission: 'records.read', title: 'Complaints' },
        },
        {
          path: 'users',
          name: 'tenant-users',
          component: () => import('./views/tenant/TenantUsers.vue'),
          meta: { kinds: tenantReaders, title: 'Users' },
        },
        {
          path: 'operators',
          name: 'tenant-operators',
          component: () => import('./views/tenant/TenantOperators.vue'),
          meta: { kinds: providerStaff, title: 'Operators' },
        },
        {
          path: 'billing',
          name: 'tenant-billing',
          component: () => import('./views/tenant/TenantBilling.vue'),
          meta: { kinds: tenantReaders, title: 'Billing' },
        },
        {
          path: 'audit',
          name: 'tenant-audit',
          component: () => import('./views/tenant/TenantAudit.vue'),
          meta: { kinds: tenantReaders, title: 'Audit trail' },
        },
        {
          path: 'privacy',
          name: 'tenant-privacy',
          component: () => import('./views/tenant/TenantPrivacy.vue'),
          meta: { permission: 'privacy.requests', title: 'Privacy requests' },
        },
      ],
    },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: 'Not found' } },
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

router.afterEach((to) => {
  const title = to.meta.title;
  document.title = title ? `${title} · Switchboard` : 'Switchboard';
});

import { inject, type InjectionKey, type Ref } from 'vue';
import type { Tenant, UserKind } from '../../api/types.ts';

export interface TenantPageContext {
  tenant: Ref<Tenant>;
  /** How the user acts here: provider staff by kind, client users by role (the API's `access`). */
  access: Ref<UserKind>;
  /** True when the user may change things here (the tenant is active and the role allows). */
  canManageMembers: Ref<boolean>;
  setTenant: (tenant: Tenant) => void;
}

export const tenantKey: InjectionKey<TenantPageContext> = Symbol('tenant');

export function useTenantPage(): TenantPageContext {
  const ctx = inject(tenantKey);
  if (!ctx) throw new Error('useTenantPage() outside a tenant page');
  return ctx;
}

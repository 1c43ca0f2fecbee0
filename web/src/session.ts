import { reactive } from 'vue';
import { ApiError, api, asApiError, call } from './api/client.ts';
import type { ActableTenant, Me, Permission, UserKind } from './api/types.ts';

/** Who is logged in (GET /api/me), shared by every view. */
export const session = reactive({
  me: null as Me | null,
  /** True once /api/me has answered (logged in or not). */
  loaded: false,
  /** Set when /api/me could not be asked at all (network, 5xx). */
  loadError: null as ApiError | null,
});

export async function loadMe(): Promise<Me | null> {
  try {
    session.me = await call(api.me.$get());
    session.loadError = null;
  } catch (error) {
    const problem = asApiError(error);
    if (problem.status === 401) {
      session.me = null;
      session.loadError = null;
    } else {
      session.loadError = problem;
    }
  }
  session.loaded = true;
  return session.me;
}

export function setMe(me: Me | null): void {
  session.me = me;
  session.loaded = true;
  session.loadError = null;
}

export async function logIn(email: string, password: string): Promise<Me> {
  const me = await call(api.auth.login.$post({ json: { email, password } }));
  setMe(me);
  return me;
}

export async function logOut(): Promise<void> {
  try {
    await call(api.auth.logout.$post());
  } finally {
    setMe(null);
  }
}

export const kindLabels: Record<UserKind, string> = {
  provider_admin: 'Provider admin',
  supervisor: 'Supervisor',
  operator: 'Operator',
  client_admin: 'Client admin',
  client_member: 'Client member',
};

/**
 * Whether the logged-in user has a permission of the API's one matrix (api/src/http/permissions.ts),
 * as GET /api/me lists them: pages show and hide actions by this, never by role names. The API checks
 * again where the action happens.
 */
export function can(permission: Permission): boolean {
  return session.me?.permissions.includes(permission) ?? false;
}

export const isProviderStaff = (kind: UserKind) => kind === 'provider_admin' || kind === 'supervisor';
export const isClient = (kind: UserKind) => kind === 'client_admin' || kind === 'client_member';

/** Where a user lands after logging in, by kind. */
export function homePath(me: Me): string {
  const kind = me.user.kind;
  if (isProviderStaff(kind)) return '/admin/tenants';
  if (kind === 'operator') return '/operator';
  const own: ActableTenant | undefined = me.tenants[0];
  return own ? `/t/${own.slug}` : '/no-company';
}

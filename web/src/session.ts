import { reactive } from 'vue';
import { ApiError, api, asApiError, call } from './api/client.ts';
import type { ActableTenant, Me, Permission, UserKind } from './api/types.ts';
import { browserLanguage, setLanguage, t, type Language } from './i18n/index.ts';

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
    followAccountLanguage(session.me);
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
  if (me) followAccountLanguage(me);
}

/** A person's language: their account's, else their browser's (English when it speaks none of ours). */
function followAccountLanguage(me: Me): void {
  void setLanguage(me.user.language ?? browserLanguage());
}

/**
 * Saves the account's language (null: follow the browser) and switches the interface at once; when the
 * API refuses, the interface goes back to the language it was in and the error is the caller's to show.
 */
export async function chooseLanguage(language: Language | null): Promise<void> {
  const before = session.me;
  if (before) void setLanguage(language ?? browserLanguage());
  try {
    setMe(await call(api.me.language.$put({ json: { language } })));
  } catch (error) {
    if (before) followAccountLanguage(before);
    throw error;
  }
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

/** What a kind of user is called, in the interface's language. */
export const kindLabel = (kind: UserKind): string => t(`kinds.${kind}`);

const userKinds: readonly UserKind[] = ['provider_admin', 'supervisor', 'operator', 'client_admin', 'client_member'];
/** `kindLabels[kind]` for templates: each entry is read in the current language when it is rendered. */
export const kindLabels: Readonly<Record<UserKind, string>> = Object.freeze(
  Object.defineProperties({} as Record<UserKind, string>, Object.fromEntries(userKinds.map((k) => [k, { get: () => kindLabel(k), enumerable: true }]))),
);

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

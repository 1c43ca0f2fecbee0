/** Every setting the API reads from the environment, with its default (the README lists the same). */
export interface Config {
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  /** The origin browsers use to reach us; unsafe requests from any other origin are refused. */
  publicUrl: string | undefined;
  secureCookies: boolean;
  trustProxy: boolean;
  sessionInactivityDays: number;
  sessionAbsoluteDays: number;
  loginMaxFailuresPerEmail: number;
  loginMaxFailuresPerAddress: number;
  loginLockMinutes: number;
  /** Extra wait added to each failed login per earlier failure, so guessing slows down before it is refused. */
  loginSlowdownMs: number;
  bodyLimitBytes: number;
  /** Shared with the telephony adapter: it signs every /api/telephony request with it (docs/telephony.md). */
  telephonySecret: string;
  /** Set: every tenant is a Stripe customer and usage is reported to Stripe (docs/billing.md, "Stripe"). */
  stripeSecretKey: string | undefined;
  /** Verifies POST /api/billing/stripe/webhook; required with a Stripe key in production. */
  stripeWebhookSecret: string | undefined;
  /** Another Stripe API base (stripe-mock, the tests' fake), e.g. http://127.0.0.1:12111. */
  stripeApiUrl: string | undefined;
  /** Days a past-due tenant keeps working before the provider may suspend it. */
  billingGraceDays: number;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** Known to everyone who reads the README: fine for the demo and the simulator, refused in production. */
export const DEV_TELEPHONY_SECRET = 'switchboard-dev-telephony-secret';

function telephonySecret(value: string | undefined, production: boolean): string {
  if (value) {
    if (value.length < 32) throw new Error('TELEPHONY_SECRET must be at least 32 characters long.');
    return value;
  }
  if (production) throw new Error('TELEPHONY_SECRET is required when NODE_ENV=production.');
  return DEV_TELEPHONY_SECRET;
}

function stripeApiUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`STRIPE_API_URL must be a URL such as http://127.0.0.1:12111, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('STRIPE_API_URL must use http or https.');
  return url.origin;
}

function stripeWebhookSecret(value: string | undefined, secretKey: string | undefined, production: boolean): string | undefined {
  // Without it every webhook is refused (503), so invoices would never come back from Stripe.
  if (secretKey && !value && production) throw new Error('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY when NODE_ENV=production.');
  return value || undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const publicUrl = env.PUBLIC_URL || undefined;
  const production = env.NODE_ENV === 'production';
  return {
    port: int(env.PORT, 3000, 'PORT'),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || '.data/pglite',
    publicUrl,
    secureCookies: bool(env.SECURE_COOKIES, production || (publicUrl?.startsWith('https://') ?? false)),
    trustProxy: bool(env.TRUST_PROXY, false),
    sessionInactivityDays: int(env.SESSION_INACTIVITY_DAYS, 10, 'SESSION_INACTIVITY_DAYS'),
    sessionAbsoluteDays: int(env.SESSION_ABSOLUTE_DAYS, 30, 'SESSION_ABSOLUTE_DAYS'),
    loginMaxFailuresPerEmail: int(env.LOGIN_MAX_FAILURES_PER_EMAIL, 5, 'LOGIN_MAX_FAILURES_PER_EMAIL'),
    loginMaxFailuresPerAddress: int(env.LOGIN_MAX_FAILURES_PER_ADDRESS, 20, 'LOGIN_MAX_FAILURES_PER_ADDRESS'),
    loginLockMinutes: int(env.LOGIN_LOCK_MINUTES, 15, 'LOGIN_LOCK_MINUTES'),
    loginSlowdownMs: int(env.LOGIN_SLOWDOWN_MS, 250, 'LOGIN_SLOWDOWN_MS'),
    bodyLimitBytes: int(env.BODY_LIMIT_BYTES, 1024 * 1024, 'BODY_LIMIT_BYTES'),
    telephonySecret: telephonySecret(env.TELEPHONY_SECRET, production),
    stripeSecretKey: env.STRIPE_SECRET_KEY || undefined,
    stripeWebhookSecret: stripeWebhookSecret(env.STRIPE_WEBHOOK_SECRET, env.STRIPE_SECRET_KEY, production),
    stripeApiUrl: stripeApiUrl(env.STRIPE_API_URL),
    billingGraceDays: int(env.BILLING_GRACE_DAYS, 14, 'BILLING_GRACE_DAYS'),
  };
}

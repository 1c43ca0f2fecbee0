import { parseCidr } from './rules/definition.ts';

/** Every setting the API reads from the environment, with its default (the README lists the same). */
export interface Config {
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  /** The origin browsers use to reach us; unsafe requests from any other origin are refused. */
  publicUrl: string | undefined;
  secureCookies: boolean;
  /** How many proxies in front of us are trusted to append the client's address to X-Forwarded-For (0: none). */
  trustProxyHops: number;
  /** Proxies in these CIDR ranges are trusted too, wherever they sit in the chain. */
  trustProxyRanges: string[];
  sessionInactivityDays: number;
  sessionAbsoluteDays: number;
  /** Failed logins for one email from one address before that pair is locked (never the account itself). */
  loginMaxFailuresPerAddressAndEmail: number;
  /** Failed logins from one address, whatever the emails, before the address is locked. */
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
  /**
   * Encrypts the secrets Switchboard stores (the Twilio account's auth token and API key secret):
   * SECRETS_KEY, at least 32 characters. Unset in production: '' — nothing can be sealed, so no Twilio
   * account can be connected (503) until it is set; a development default otherwise.
   */
  secretsKey: string;
  /** Another Twilio API base (the tests' fake Twilio), e.g. http://127.0.0.1:4010; unset: Twilio's own hosts. */
  twilioApiUrl: string | undefined;
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

/** Shorthands for TRUST_PROXY_RANGES, as common proxy setups put the load balancer on them. */
const namedRanges: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

function trustProxyRanges(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .flatMap((entry) => {
      const named = namedRanges[entry.toLowerCase()];
      if (named) return named;
      const cidr = parseCidr(entry);
      if (!cidr) throw new Error(`TRUST_PROXY_RANGES takes CIDR ranges (10.0.0.0/8), addresses, 'loopback' or 'private'; got "${entry}"`);
      return [`${cidr[0].toString()}/${cidr[1]}`];
    });
}

/** TRUST_PROXY_HOPS wins; else the older TRUST_PROXY=true means one proxy (the load balancer in front of us). */
function trustProxyHops(env: NodeJS.ProcessEnv): number {
  if (env.TRUST_PROXY_HOPS !== undefined && env.TRUST_PROXY_HOPS !== '') return int(env.TRUST_PROXY_HOPS, 0, 'TRUST_PROXY_HOPS');
  return bool(env.TRUST_PROXY, false) ? 1 : 0;
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

/** Known to everyone who reads the README: encrypts nothing worth protecting, refused in production. */
export const DEV_SECRETS_KEY = 'switchboard-dev-secrets-key-do-not-use-in-production';

function secretsKey(value: string | undefined, production: boolean): string {
  if (value) {
    if (value.length < 32) throw new Error('SECRETS_KEY must be at least 32 characters long.');
    return value;
  }
  return production ? '' : DEV_SECRETS_KEY;
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
    trustProxyHops: trustProxyHops(env),
    trustProxyRanges: trustProxyRanges(env.TRUST_PROXY_RANGES),
    sessionInactivityDays: int(env.SESSION_INACTIVITY_DAYS, 10, 'SESSION_INACTIVITY_DAYS'),
    sessionAbsoluteDays: int(env.SESSION_ABSOLUTE_DAYS, 30, 'SESSION_ABSOLUTE_DAYS'),
    // LOGIN_MAX_FAILURES_PER_EMAIL is the older name, from when failures were counted per email alone.
    loginMaxFailuresPerAddressAndEmail: int(
      env.LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL || env.LOGIN_MAX_FAILURES_PER_EMAIL,
      5,
      'LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL',
    ),
    loginMaxFailuresPerAddress: int(env.LOGIN_MAX_FAILURES_PER_ADDRESS, 20, 'LOGIN_MAX_FAILURES_PER_ADDRESS'),
    loginLockMinutes: int(env.LOGIN_LOCK_MINUTES, 15, 'LOGIN_LOCK_MINUTES'),
    loginSlowdownMs: int(env.LOGIN_SLOWDOWN_MS, 250, 'LOGIN_SLOWDOWN_MS'),
    bodyLimitBytes: int(env.BODY_LIMIT_BYTES, 1024 * 1024, 'BODY_LIMIT_BYTES'),
    telephonySecret: telephonySecret(env.TELEPHONY_SECRET, production),
    stripeSecretKey: env.STRIPE_SECRET_KEY || undefined,
    stripeWebhookSecret: stripeWebhookSecret(env.STRIPE_WEBHOOK_SECRET, env.STRIPE_SECRET_KEY, production),
    stripeApiUrl: stripeApiUrl(env.STRIPE_API_URL),
    billingGraceDays: int(env.BILLING_GRACE_DAYS, 14, 'BILLING_GRACE_DAYS'),
    secretsKey: secretsKey(env.SECRETS_KEY, production),
    twilioApiUrl: env.TWILIO_API_URL || undefined,
  };
}

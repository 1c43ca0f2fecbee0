import Stripe from 'stripe';

export interface StripeClientConfig {
  secretKey: string;
  /** Another API base (stripe-mock, the tests' fake): its host, port and protocol go to the SDK. */
  apiUrl?: string | undefined;
}

/**
 * The Stripe SDK as we use it: no retries of its own (the outbox retries, with backoff, and the
 * webhook is retried by Stripe), and a timeout well inside the outbox lease.
 */
export function createStripeClient(config: StripeClientConfig): Stripe {
  const url = config.apiUrl ? new URL(config.apiUrl) : undefined;
  const protocol = url?.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.secretKey, {
    maxNetworkRetries: 0,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'Switchboard' },
    ...(url ? { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol } : {}),
  });
}

/** One line for last_error and logs: what Stripe (or the network) said, never a stack. */
export function describeStripeError(error: unknown): string {
  if (error instanceof Stripe.errors.StripeError) {
    return [error.type, error.statusCode, error.code, error.message].filter((part) => part !== undefined && part !== '').join(' ').slice(0, 500);
  }
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { decryptSecret } from './secrets.ts';

/**
 * The Twilio REST client, built from the connected account (twilio_accounts, secrets decrypted with
 * SECRETS_KEY). With TWILIO_API_URL set (the tests' fake Twilio, tests/support/fake-twilio.ts) every request
 * to a *.twilio.com host goes there instead, path and query unchanged, so the official client and its
 * request encoding are what the tests exercise.
 */

export type TwilioClient = ReturnType<typeof twilio>;

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
  apiKeySid: string | null;
  apiKeySecret: string | null;
  twimlAppSid: string | null;
}

class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super({ timeout: 10_000 });
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    if (uri.hostname.endsWith('.twilio.com')) {
      const base = new URL(this.base);
      uri.protocol = base.protocol;
      uri.host = base.host;
    }
    return super.request<TData>({ ...opts, uri: uri.toString() });
  }
}

export function twilioClient(account: Pick<TwilioAccount, 'accountSid' | 'authToken'>, apiUrl: string | undefined): TwilioClient {
  return twilio(account.accountSid, account.authToken, {
    httpClient: apiUrl ? new RedirectingRequestClient(apiUrl) : new twilio.RequestClient({ timeout: 10_000 }),
  });
}

/** The connected account with its secrets in clear, or undefined when the provider has not connected one. */
export async function loadTwilioAccount(db: Kysely<DB>, secretsKey: string): Promise<TwilioAccount | undefined> {
  // Production without SECRETS_KEY: nothing stored can be opened, so no account is connected.
  if (!secretsKey) return undefined;
  const row = await db.selectFrom('twilioAccounts').selectAll().where('id', '=', 'default').executeTakeFirst();
  if (!row) return undefined;
  return {
    accountSid: row.accountSid,
    authToken: decryptSecret(secretsKey, row.authTokenEnc),
    apiKeySid: row.apiKeySid,
    apiKeySecret: row.apiKeySecretEnc ? decryptSecret(secretsKey, row.apiKeySecretEnc) : null,
    twimlAppSid: row.twimlAppSid,
  };
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * The stored Twilio secrets (auth token, API key secret), encrypted with SECRETS_KEY (AES-256-GCM, a fresh
 * nonce each time): a database dump alone does not give a thief the provider's phone lines. The format is
 * `v1.<nonce>.<tag>.<ciphertext>` in base64url; a wrong key or a changed byte fails to decrypt.
 */
export class SecretsKeyMissingError extends Error {
  constructor() {
    super('SECRETS_KEY is not set: Switchboard cannot seal or open stored credentials.');
  }
}

const keyOf = (secretsKey: string) => {
  if (!secretsKey) throw new SecretsKeyMissingError();
  return hashKey(secretsKey);
};
const hashKey = (secretsKey: string) => createHash('sha256').update(`switchboard-secrets:${secretsKey}`).digest();

export function encryptSecret(secretsKey: string, plain: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretsKey), nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', nonce.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptSecret(secretsKey: string, sealed: string): string {
  const [version, nonce, tag, body] = sealed.split('.');
  if (version !== 'v1' || !nonce || !tag || body === undefined) throw new Error('Not a sealed secret.');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(secretsKey), Buffer.from(nonce, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

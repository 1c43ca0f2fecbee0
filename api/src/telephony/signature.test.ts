import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkTelephonySignature, signTelephonyRequest } from './signature.ts';

const secret = 'a-telephony-secret-of-at-least-32-chars';
const now = new Date('2026-12-04T12:00:00Z');
const headersOf = (signed: Record<string, string>) => ({ timestamp: signed['X-Switchboard-Timestamp'], signature: signed['X-Switchboard-Signature'] });

describe('telephony signatures', () => {
  it('accept a v2 signature on the request it was made for only', () => {
    const read = signTelephonyRequest(secret, '', now, { method: 'GET', path: '/api/telephony/calls/1' });
    expect(checkTelephonySignature(secret, headersOf(read), '', { method: 'GET', path: '/api/telephony/calls/1' }, now)).toMatchObject({ ok: true });
    for (const target of [
      { method: 'POST', path: '/api/telephony/calls/1' },
      { method: 'POST', path: '/api/telephony/calls/1/answered' },
      { method: 'GET', path: '/api/telephony/calls/2' },
    ]) {
      expect(checkTelephonySignature(secret, headersOf(read), '', target, now), JSON.stringify(target)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuse the retired v1 scheme, even a correct one', () => {
    const timestamp = String(now.getTime() / 1000);
    const v1 = `v1=${createHmac('sha256', secret).update(`${timestamp}.`).digest('hex')}`;
    for (const signature of [v1, v1.toUpperCase(), ` ${v1}`]) {
      expect(checkTelephonySignature(secret, { timestamp, signature }, '', { method: 'POST', path: '/api/telephony/calls/1/answered' }, now)).toEqual({
        ok: false,
        reason: 'retired',
      });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { twilioClient } from '../api/src/twilio/client.ts';
import { decryptSecret, encryptSecret } from '../api/src/twilio/secrets.ts';
import { startFakeTwilio, twimlVerbs, type FakeTwilio } from './support/fake-twilio.ts';

/** The foundation the Twilio adapter stands on: the official client against the fake, its signatures, the sealed secrets. */
let fake: FakeTwilio;
beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterAll(() => fake.close());

describe('the official twilio client against the fake Twilio', () => {
  it('creates and updates calls, lists numbers, and is refused with a wrong token', async () => {
    const client = twilioClient({ accountSid: fake.accountSid, authToken: fake.authToken }, fake.url);
    fake.addNumber('+33142868200', 'Pizza Napoli');
    const numbers = await client.incomingPhoneNumbers.list();
    expect(numbers.map((n) => n.phoneNumber)).toEqual(['+33142868200']);
    const call = await client.calls.create({ to: '+33612345678', from: '+33142868200', url: 'https://sb.example/voice', machineDetection: 'Enable' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(fake.requestsTo('POST', '/Calls.json')[0]!.params).toMatchObject({ To: '+33612345678', MachineDetection: 'Enable' });
    await client.calls(call.sid).update({ twiml: '<Response><Hangup/></Response>' });
    expect(fake.calls.get(call.sid)!.twiml).toBe('<Response><Hangup/></Response>');
    const participant = await client.conferences('sb-call-1').participants.create({ from: '+33142868200', to: 'client:op-1', label: 'operator' });
    // Created by the conference's friendly name; updated, like on Twilio, only through its SID.
    expect(participant.conferenceSid).toBe(fake.conferenceSidOf('sb-call-1'));
    await expect(client.conferences('sb-call-1').participants(participant.callSid).update({ hold: true })).rejects.toMatchObject({ status: 404 });
    await client.conferences(participant.conferenceSid).participants('operator').update({ hold: true });
    expect(fake.conferences.get('sb-call-1')!.get(participant.callSid)!.hold).toBe(true);

    const wrong = twilioClient({ accountSid: fake.accountSid, authToken: 'nope' }, fake.url);
    await expect(wrong.incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it('signs webhooks as Twilio does: the official validator accepts them, and refuses a changed parameter', async () => {
    const url = 'https://sb.example/api/twilio/voice';
    const params = { CallSid: 'CA1', From: '+33612345678', To: '+33142868200' };
    const signature = twilio.getExpectedTwilioSignature(fake.authToken, url, params);
    expect(twilio.validateRequest(fake.authToken, signature, url, params)).toBe(true);
    expect(twilio.validateRequest(fake.authToken, signature, url, { ...params, From: '+33600000000' })).toBe(false);
  });

  it('reads TwiML verbs in order with their attributes', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say({ language: 'fr-FR' }, 'Bonjour');
    response.gather({ numDigits: 1, action: '/next' }).say('Tapez 1');
    expect(twimlVerbs(response.toString())).toEqual([
      { verb: 'Say', attributes: { language: 'fr-FR' }, text: 'Bonjour', children: [] },
      { verb: 'Gather', attributes: { numDigits: '1', action: '/next' }, text: '', children: [{ verb: 'Say', attributes: {}, text: 'Tapez 1', children: [] }] },
    ]);
  });
});

describe('sealed secrets', () => {
  it('round-trips, uses a fresh nonce each time, and refuses a wrong key or a changed byte', () => {
    const key = 'k'.repeat(40);
    const a = encryptSecret(key, 'auth-token-123');
    const b = encryptSecret(key, 'auth-token-123');
    expect(a).not.toBe(b);
    expect(a).not.toContain('auth-token-123');
    expect(decryptSecret(key, a)).toBe('auth-token-123');
    expect(() => decryptSecret('x'.repeat(40), a)).toThrow();
    const parts = a.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow();
  });
});

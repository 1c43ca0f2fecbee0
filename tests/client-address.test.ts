import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Tenant } from '@switchboard/db';
import { clientAddressFrom, loadConfig } from '@switchboard/api';
import {
  attemptLogin,
  createHarness,
  logIn,
  ORIGIN,
  seedClientUser,
  seedTenant,
  uniqueEmail,
  type App,
  type Client,
  type Harness,
} from './support/index.ts';

/**
 * Issue 11, finding 4: behind proxies the client address is counted from the right over the trusted
 * hops (TRUST_PROXY_HOPS, TRUST_PROXY_RANGES); the leftmost X-Forwarded-For entry is whatever the
 * client wrote, so writing one must not get a client past its tenant's IP allow-list nor out of the
 * per-address login throttle. The harness trusts one hop (TRUST_PROXY=true), as behind one load
 * balancer: a test's `x-forwarded-for: "<spoofed>, <real>"` is what that balancer forwards when the
 * client sent `X-Forwarded-For: <spoofed>` from <real>.
 */

const oneHop = { hops: 1, ranges: [] };

describe('clientAddressFrom', () => {
  it('takes the entry the nearest trusted proxy appended, never the client-written ones left of it', () => {
    expect(clientAddressFrom('10.0.0.2', '203.0.113.9', oneHop)).toBe('203.0.113.9');
    expect(clientAddressFrom('10.0.0.2', '203.0.113.9, 198.51.100.7', oneHop)).toBe('198.51.100.7');
    expect(clientAddressFrom('10.0.0.2', '1.1.1.1,2.2.2.2 ,  198.51.100.7', oneHop)).toBe('198.51.100.7');
    // Two hops: the second proxy's entry (what the first proxy saw) is the client.
    expect(clientAddressFrom('10.0.0.2', '203.0.113.9, 198.51.100.7, 10.0.0.1', { hops: 2, ranges: [] })).toBe('198.51.100.7');
    // Fewer entries than hops: the furthest one a trusted proxy wrote.
    expect(clientAddressFrom('10.0.0.2', '198.51.100.7', { hops: 3, ranges: [] })).toBe('198.51.100.7');
  });

  it('ignores the header unless told to trust a proxy, or when the peer is not in the trusted ranges', () => {
    expect(clientAddressFrom('198.51.100.7', '203.0.113.9', { hops: 0, ranges: [] })).toBe('198.51.100.7');
    expect(clientAddressFrom('198.51.100.7', '203.0.113.9', { hops: 0, ranges: ['10.0.0.0/8'] })).toBe('198.51.100.7');
    expect(clientAddressFrom('10.1.2.3', '203.0.113.9', { hops: 0, ranges: ['10.0.0.0/8'] })).toBe('203.0.113.9');
    // Ranges walk on over every trusted hop, and stop at the first address outside them.
    expect(clientAddressFrom('10.1.2.3', '203.0.113.9, 198.51.100.7, 10.9.9.9', { hops: 0, ranges: ['10.0.0.0/8'] })).toBe('198.51.100.7');
    // A spoofed entry inside the trusted ranges, left of the real client, is never reached.
    expect(clientAddressFrom('10.1.2.3', '10.0.0.1, 198.51.100.7', { hops: 0, ranges: ['10.0.0.0/8'] })).toBe('198.51.100.7');
    // Everyone trusted: the leftmost.
    expect(clientAddressFrom('10.1.2.3', '10.4.4.4, 10.5.5.5', { hops: 0, ranges: ['10.0.0.0/8'] })).toBe('10.4.4.4');
  });

  it('reads ports, brackets and IPv4-mapped IPv6 as proxies write them', () => {
    expect(clientAddressFrom('10.0.0.2', '198.51.100.7:51234', oneHop)).toBe('198.51.100.7');
    expect(clientAddressFrom('10.0.0.2', '[2001:db8::7]:443', oneHop)).toBe('2001:db8::7');
    expect(clientAddressFrom('10.0.0.2', '::ffff:198.51.100.7', oneHop)).toBe('198.51.100.7');
    expect(clientAddressFrom('::ffff:10.0.0.2', undefined, oneHop)).toBe('10.0.0.2');
    expect(clientAddressFrom('::ffff:10.1.2.3', '203.0.113.9', { hops: 0, ranges: ['10.0.0.0/8'] })).toBe('203.0.113.9');
  });

  it('falls back to the socket address when an entry a trusted proxy should have written is not an address', () => {
    for (const header of ['', ' ', 'garbage', '198.51.100.7, ', '203.0.113.9,,', 'unknown', '10', '0x7f.1', '198.51.100.7; drop', '1.2.3.4:99999999']) {
      expect(clientAddressFrom('10.0.0.2', header, oneHop), JSON.stringify(header)).toBe('10.0.0.2');
    }
    // Garbage left of the client is the client's own business: it is never read.
    expect(clientAddressFrom('10.0.0.2', 'garbage, <script>, 198.51.100.7', oneHop)).toBe('198.51.100.7');
    expect(clientAddressFrom(undefined, 'garbage', oneHop)).toBe('unknown');
  });

  it('whatever a client prepends, one trusted hop answers the address its proxy appended', () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6());
    const junk = fc.oneof(address, fc.string({ maxLength: 40 }).filter((s) => !s.includes(',')));
    fc.assert(
      fc.property(fc.array(junk, { maxLength: 8 }), fc.ipV4(), (spoofed, real) => {
        expect(clientAddressFrom('10.0.0.2', [...spoofed, real].join(', '), oneHop)).toBe(real);
      }),
    );
  });
});

describe('configuration', () => {
  it('reads TRUST_PROXY=true as one hop, TRUST_PROXY_HOPS over it, ranges with shorthands, and refuses a bad range', () => {
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxyHops).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' }).trustProxyHops).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '0' }).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY_RANGES: '10.1.2.3/8, loopback,2001:db8::1' }).trustProxyRanges).toEqual([
      '10.0.0.0/8',
      '127.0.0.0/8',
      '::1/128',
      '2001:db8::1/128',
    ]);
    expect(() => loadConfig({ TRUST_PROXY_RANGES: '10.0.0.0/8,nonsense' })).toThrow(/TRUST_PROXY_RANGES.*nonsense/);
    expect(() => loadConfig({ TRUST_PROXY_HOPS: '-1' })).toThrow(/TRUST_PROXY_HOPS/);
  });
});

describe('through the app', () => {
  let h: Harness;
  let tenant: Tenant;
  let admin: Client;
  const inside = '203.0.113.9';
  const outside = '198.51.100.7';
  const via = (...chain: string[]) => ({ 'x-forwarded-for': chain.join(', ') });

  beforeAll(async () => {
    h = await createHarness();
    ({ tenant } = await seedTenant(h.db));
    admin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
    const saved = await admin.put(`/api/t/${tenant.slug}/rules`, { ipAllowList: ['203.0.113.0/24'] }, via(inside));
    expect(saved.status).toBe(200);
  });
  afterAll(() => h?.close());

  it('a client outside the allow-list does not get in by writing an allowed address first', async () => {
    expect((await admin.get(`/api/t/${tenant.slug}/rules`, via(inside))).status).toBe(200);
    expect((await admin.get(`/api/t/${tenant.slug}/rules`, via(outside))).status).toBe(404);
    expect((await admin.get(`/api/t/${tenant.slug}/rules`, via(inside, outside))).status).toBe(404);
    expect((await admin.get(`/api/tenants/${tenant.slug}`, via(inside, outside))).status).toBe(404);
    expect((await admin.get('/api/me', via(inside, outside))).body.tenants).toEqual([]);
  });

  it('a client spraying logins does not escape the per-address limit by writing a new address each time', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '5' } });
    const attacker = '198.51.100.66';
    const statuses: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const res = await attemptLogin(app, uniqueEmail('spray'), 'wrong', { headers: via(`192.0.2.${i}`, attacker) });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it('with TRUST_PROXY_RANGES, only a peer in the ranges is believed, and it is counted from the right', async () => {
    const app = h.buildApp({ env: { TRUST_PROXY: '', TRUST_PROXY_RANGES: '10.0.0.0/8' } });
    const me = (socket: string, forwarded: string) => getWithSocket(app, '/api/me', admin.token!, socket, forwarded);
    // Through the load balancer at 10.0.0.5: the address it appended counts.
    expect((await me('10.0.0.5', `${outside}, ${inside}`)).tenants).toEqual([expect.objectContaining({ slug: tenant.slug })]);
    expect((await me('10.0.0.5', `${inside}, ${outside}`)).tenants).toEqual([]);
    // Straight to the server, around the balancer: the header is the client's own and is ignored.
    expect((await me(outside, inside)).tenants).toEqual([]);
    // A broken header from the balancer: its own address, which is not the client's allowed one.
    expect((await me('10.0.0.5', 'garbage')).tenants).toEqual([]);
  });
});

/** A request as it reaches the server from a socket peer (app.request() has none unless given one, as @hono/node-server does). */
async function getWithSocket(app: App, path: string, token: string, remoteAddress: string, forwardedFor: string) {
  const res = await app.request(
    path,
    { headers: { origin: ORIGIN, cookie: `sb_session=${token}`, 'x-forwarded-for': forwardedFor } },
    { incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: remoteAddress.includes(':') ? 'IPv6' : 'IPv4' } } },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { tenants: { slug: string }[] };
}

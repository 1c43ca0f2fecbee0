import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, logIn, seedOperator, type Harness } from './support/index.ts';

/**
 * A request refused before its body is read (no session, too large, another site's) must leave a kept-alive
 * connection usable for the client's next request, or say `Connection: close` so the client opens another:
 * never a reset the client only learns about when its next request fails.
 */
let h: Harness;
let server: ReturnType<typeof serve>;
let port: number;
const LIMIT = 1024 * 1024;

beforeAll(async () => {
  h = await createHarness({ BODY_LIMIT_BYTES: String(LIMIT) });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await h?.close();
});

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
  reusedSocket: boolean;
}

function request(agent: http.Agent, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: '127.0.0.1', port, method, path, headers: { origin: `http://127.0.0.1:${port}`, ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: Buffer.concat(chunks).toString(), reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** A body the size asked, in chunks, as a slow client would send it. */
const bodyOf = (size: number) => Buffer.from(JSON.stringify({ note: 'x'.repeat(Math.max(0, size - 12)) }));

async function thenNext(first: () => Promise<Answer>, agent: http.Agent): Promise<[Answer, Answer]> {
  const refused = await first();
  const next = await request(agent, 'GET', '/api/health');
  return [refused, next];
}

describe('a request refused before its body is read', () => {
  const refusals: [label: string, status: number, path: string, size: number, headers?: Record<string, string>][] = [
    ['a small body without a session', 401, '/api/tenants', 2_000],
    ['a large body without a session', 401, '/api/tenants', 900_000],
    ['a body over the limit', 413, '/api/auth/login', LIMIT * 4],
    ['a body from another site', 403, '/api/auth/login', 30_000, { origin: 'https://evil.test' }],
  ];
  for (const [label, status, path, size, headers] of refusals) {
    it(`answers ${status} to ${label}, and the next request is served on the same connection (or the ${status} said Connection: close)`, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const [refused, next] = await thenNext(() => request(agent, 'POST', path, bodyOf(size), headers), agent);
      expect(refused.status).toBe(status);
      expect(next.status).toBe(200);
      if (refused.connection !== 'close') expect(next.reusedSocket).toBe(true);
      agent.destroy();
    });
  }
});

describe('a tenant request whose body arrives slowly', () => {
  it('holds no transaction while the body trickles in: the database keeps answering, then the request gets its 404', async () => {
    // An operator assigned nowhere names a tenant that does not exist and sends 5 of the 7 bytes it announced.
    const operator = await logIn(h.app, await seedOperator(h.db, []));
    const slow = new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/t/no-such-tenant/orders',
          headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': '7', cookie: `sb_session=${operator.token}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: Buffer.concat(chunks).toString(), reusedSocket: false }));
        },
      );
      req.on('error', reject);
      req.write('{"a":1');
      // While it waits: a transaction opened for it would hold PGlite's only connection (health then times out).
      setTimeout(async () => {
        try {
          const health = await request(new http.Agent(), 'GET', '/api/health');
          expect(health.status).toBe(200);
          req.end('}');
        } catch (error) {
          reject(error);
        }
      }, 300);
    });
    const answer = await slow;
    expect(answer.status).toBe(404);
  });
});

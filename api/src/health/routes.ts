import { createRoute, z } from '@hono/zod-openapi';
import { sql, type Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { createRouter } from '../http/router.ts';

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    database: z.object({ kind: z.enum(['pglite', 'postgres']), ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() }),
    version: z.string(),
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Liveness and database reachability',
  description: 'Answers within about a second: 503 while the database does not answer (no driver detail in the body), 200 once it does.',
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'The database does not answer', content: { 'application/json': { schema: HealthSchema } } },
  },
});

const version = process.env.npm_package_version ?? '0.1.0';

/** A load balancer needs an answer, not a hang: a database slower than this is reported down. */
export const HEALTH_DATABASE_TIMEOUT_MS = 1000;

class DatabaseTimeout extends Error {}

/** `select 1` within the deadline; what went wrong stays in the server's log (a driver's message names hosts and roles). */
async function pingDatabase(db: Kysely<DB>): Promise<'ok' | 'timeout' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout()), HEALTH_DATABASE_TIMEOUT_MS);
    timer.unref?.();
  });
  try {
    await Promise.race([sql`select 1`.execute(db), deadline]);
    return 'ok';
  } catch (error) {
    return error instanceof DatabaseTimeout ? 'timeout' : 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

const problems = {
  timeout: 'The database did not answer in time.',
  unreachable: 'The database cannot be reached.',
} as const;

export const healthRoutes = createRouter().openapi(health, async (c) => {
  const databaseKind = c.var.deps.databaseKind;
  const started = performance.now();
  const outcome = await pingDatabase(c.var.deps.db);
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  if (outcome === 'ok') return c.json({ status: 'ok' as const, database: { kind: databaseKind, ok: true, latencyMs }, version }, 200);
  c.header('Cache-Control', 'no-store');
  return c.json({ status: 'degraded' as const, database: { kind: databaseKind, ok: false, latencyMs, error: problems[outcome] }, version }, 503);
});

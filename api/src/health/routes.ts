import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
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
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'The database does not answer', content: { 'application/json': { schema: HealthSchema } } },
  },
});

const version = process.env.npm_package_version ?? '0.1.0';

export const healthRoutes = createRouter().openapi(health, async (c) => {
    const databaseKind = c.var.deps.databaseKind;
    const started = performance.now();
    try {
      await sql`select 1`.execute(c.var.deps.db);
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      return c.json({ status: 'ok' as const, database: { kind: databaseKind, ok: true, latencyMs }, version }, 200);
    } catch (error) {
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      return c.json(
        { status: 'degraded' as const, database: { kind: databaseKind, ok: false, latencyMs, error: (error as Error).message }, version },
        503,
      );
    }
  });

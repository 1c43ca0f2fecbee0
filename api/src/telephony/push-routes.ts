import { createRoute, z } from '@hono/zod-openapi';
import { isUuid, telephony, withApp, withTenant } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { requireUserPermission } from '../http/permissions.ts';
import { currentUser } from '../http/session.ts';
import { commandKinds } from './commands.ts';
import { verifySignature } from './routes.ts';

/**
 * The push boundary's routes (docs/telephony.md, "Push"): an adapter registers the callback its commands
 * are pushed to (signed like every /api/telephony request), or reads them by polling and acknowledges each;
 * provider staff read the deliveries' health.
 */

/**
 * A callback Switchboard will POST to: http(s) only, no credentials in it, no fragment, no control or
 * space characters, at most 500 characters. Use https in production; the simulator's is on localhost.
 */
const CallbackUrl = z
  .string()
  .max(500)
  .refine((value) => {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0020\u007f]/.test(value)) return false;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.hash && !!url.hostname;
  }, 'Give an http(s) URL without credentials or fragment, such as https://adapter.example.com/switchboard/commands.')
  .openapi({ description: 'Where commands are POSTed (signed v2 over its path); https in production' });

const RegisterSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'Lower-case letters, digits, - and _, starting with a letter (at most 40).'),
    callbackUrl: CallbackUrl,
  })
  .openapi('TelephonyAdapterRegistration', { example: { name: 'simulator', callbackUrl: 'http://127.0.0.1:4300/commands' } });

const AdapterSchema = z
  .object({ name: z.string(), callbackUrl: z.string(), registeredAt: z.string() })
  .openapi('TelephonyAdapter');

const CommandSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The idempotency key: an adapter that sees it twice does it once' }),
    seq: z.string().openapi({ description: 'Increasing: a call’s commands come in this order' }),
    kind: z.enum(commandKinds),
    tenant: z.string(),
    callId: z.uuid().nullable(),
    dialId: z.uuid().nullable(),
    payload: z.record(z.string(), z.unknown()).openapi({ description: 'The kind’s fields (docs/telephony.md, "Commands")' }),
    createdAt: z.string(),
    attempt: z.number().int(),
  })
  .openapi('TelephonyCommand');

const signed = { security: [{ telephonySignature: [] }] };
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const register = createRoute({
  method: 'put',
  path: '/telephony/adapter',
  tags: ['telephony'],
  summary: "Register (or move) a push adapter's callback: the HTTP boundary's commands are POSTed to it from now on",
  ...signed,
  request: { body: { content: { 'application/json': { schema: RegisterSchema } }, required: true } },
  responses: { 200: json(AdapterSchema, 'Registered'), ...problemResponses(400, 401) },
});
const unregister = createRoute({
  method: 'delete',
  path: '/telephony/adapter',
  tags: ['telephony'],
  summary: 'Remove a push adapter: commands wait to be polled (GET /api/telephony/commands)',
  ...signed,
  // The name in the (signed) body: a query string is not covered by the signature.
  request: { body: { content: { 'application/json': { schema: z.strictObject({ name: z.string().max(40) }).openapi('TelephonyAdapterRemoval', { example: { name: 'simulator' } }) } }, required: true } },
  responses: { 200: json(z.object({ removed: z.boolean() }).openapi('TelephonyAdapterRemoved'), 'Removed'), ...problemResponses(400, 401) },
});
const list = createRoute({
  method: 'get',
  path: '/telephony/commands',
  tags: ['telephony'],
  summary: 'Polling: the HTTP boundary’s pending commands after sequence number `after`, in order; acknowledge each',
  ...signed,
  request: {
    query: z.object({
      after: z.string().regex(/^\d{1,18}$/, 'A sequence number (digits).').optional().openapi({ param: { name: 'after', in: 'query' }, example: '0' }),
      limit: z.coerce.number().int().min(1).max(500).optional().openapi({ param: { name: 'limit', in: 'query' }, example: 100 }),
    }),
  },
  responses: { 200: json(z.object({ commands: z.array(CommandSchema) }).openapi('TelephonyCommands'), 'Pending commands'), ...problemResponses(400, 401) },
});
const ack = createRoute({
  method: 'post',
  path: '/telephony/commands/{id}/ack',
  tags: ['telephony'],
  summary: 'Polling: the adapter carried out the command (idempotent)',
  ...signed,
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }) }) },
  responses: { 200: json(z.object({ id: z.uuid(), status: z.string() }).openapi('TelephonyCommandAck'), 'Acknowledged'), ...problemResponses(401, 404) },
});
const health = createRoute({
  method: 'get',
  path: '/carrier/deliveries',
  tags: ['telephony'],
  summary: 'Provider staff: the push boundary’s delivery health (commands pending, failed, delivered; registered adapters)',
  responses: {
    200: json(
      z
        .object({
          pending: z.number().int(),
          oldestPendingAt: z.string().nullable(),
          failedLastHour: z.number().int(),
          deliveredLastHour: z.number().int(),
          adapters: z.array(z.object({ name: z.string(), callbackUrl: z.string(), registeredAt: z.string(), lastDeliveryAt: z.string().nullable(), lastError: z.string().nullable() })),
        })
        .openapi('TelephonyDeliveryHealth'),
      'Delivery health',
    ),
    ...problemResponses(401, 403),
  },
});

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export const pushRoutes = createRouter();
pushRoutes.use('/telephony/*', verifySignature());

const routes = pushRoutes
  .openapi(register, async (c) => {
    const { db, now } = c.var.deps;
    const { name, callbackUrl } = c.req.valid('json');
    const at = now();
    const row = await withApp(db, (tx) =>
      tx
        .insertInto('telephonyAdapters')
        .values({ name, callbackUrl, registeredAt: at })
        .onConflict((oc) => oc.column('name').doUpdateSet({ callbackUrl, registeredAt: at, lastError: null }))
        .returning(['name', 'callbackUrl', 'registeredAt'])
        .executeTakeFirstOrThrow(),
    );
    return c.json({ name: row.name, callbackUrl: row.callbackUrl, registeredAt: iso(row.registeredAt)! }, 200);
  })
  .openapi(unregister, async (c) => {
    const { db } = c.var.deps;
    const { name } = c.req.valid('json');
    const removed = await withApp(db, (tx) => tx.deleteFrom('telephonyAdapters').where('name', '=', name).returning('name').executeTakeFirst());
    return c.json({ removed: !!removed }, 200);
  })
  .openapi(list, async (c) => {
    const { db } = c.var.deps;
    const { after, limit } = c.req.valid('query');
    const refs = await telephony.pendingHttpCommands(db, after ?? '0', limit ?? 100);
    const byTenant = new Map<string, string[]>();
    for (const ref of refs) byTenant.set(ref.tenantId, [...(byTenant.get(ref.tenantId) ?? []), ref.id]);
    const commands: z.infer<typeof CommandSchema>[] = [];
    for (const [tenantId, ids] of byTenant) {
      const rows = await withTenant(db, tenantId, (tx) =>
        tx
          .selectFrom('telephonyCommands as c')
          .innerJoin('tenants as t', 't.id', 'c.tenantId')
          .select(['c.id', 'c.seq', 'c.kind', 't.slug', 'c.callId', 'c.dialId', 'c.payload', 'c.createdAt', 'c.attempts'])
          .where('c.id', 'in', ids)
          .where('c.status', '=', 'pending')
          .execute(),
      );
      for (const r of rows) {
        commands.push({
          id: r.id,
          seq: String(r.seq),
          kind: r.kind as (typeof commandKinds)[number],
          tenant: r.slug,
          callId: r.callId,
          dialId: r.dialId,
          payload: r.payload as Record<string, unknown>,
          createdAt: iso(r.createdAt)!,
          attempt: r.attempts,
        });
      }
    }
    commands.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
    return c.json({ commands }, 200);
  })
  .openapi(ack, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const tenantId = isUuid(id) ? await telephony.tenantOfCommand(db, id) : undefined;
    if (!tenantId) throw notFound('No such command.');
    const status = await withTenant(db, tenantId, async (tx) => {
      const row = await tx
        .updateTable('telephonyCommands')
        .set({ status: 'delivered', deliveredAt: now(), claimedUntil: null })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returning('status')
        .executeTakeFirst();
      if (row) return row.status;
      return (await tx.selectFrom('telephonyCommands').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    });
    return c.json({ id, status }, 200);
  })
  .openapi(health, async (c) => {
    requireUserPermission(currentUser(c), 'telephony.read');
    const { db, now } = c.var.deps;
    const figures = await telephony.deliveryHealth(db, now());
    const adapters = await withApp(db, (tx) => tx.selectFrom('telephonyAdapters').selectAll().orderBy('name').execute());
    return c.json(
      {
        ...figures,
        oldestPendingAt: iso(figures.oldestPendingAt),
        adapters: adapters.map((a) => ({ name: a.name, callbackUrl: a.callbackUrl, registeredAt: iso(a.registeredAt)!, lastDeliveryAt: iso(a.lastDeliveryAt), lastError: a.lastError })),
      },
      200,
    );
  });

export { routes as pushRouter };

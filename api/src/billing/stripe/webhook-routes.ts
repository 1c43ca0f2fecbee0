import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import Stripe from 'stripe';
import type { AppEnv } from '../../http/env.ts';
import { createRouter } from '../../http/router.ts';
import { ProblemError, problemResponses } from '../../http/problem.ts';
import { billingOf } from '../provider.ts';
import { isStripeBilling, type StripeBilling } from './provider.ts';
import { processStripeEvent, type StripeEventInput } from './webhook.ts';

/** Stripe signs "<t>.<raw body>"; a signature older than this is refused, so a captured request cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
const SIGNATURE_HEADER = 'stripe-signature';
const PATH = '/billing/stripe/webhook';

const StripeEventSchema = z
  .looseObject({
    id: z.string().min(1).max(255),
    object: z.literal('event'),
    type: z.string().min(1).max(255),
    data: z.looseObject({ object: z.looseObject({ id: z.string().optional() }) }),
  })
  .openapi('StripeEvent', {
    description: 'A Stripe event, exactly as Stripe sends it (only id, type and the object id are read: the object is re-fetched from Stripe).',
    example: { id: 'evt_1QfExample', object: 'event', type: 'invoice.paid', created: 1764547200, data: { object: { id: 'in_1QfExample', object: 'invoice', customer: 'cus_Example' } } },
  });

const ReceivedSchema = z.object({ received: z.literal(true), replay: z.boolean() }).openapi('StripeWebhookReceived');

const receive = createRoute({
  method: 'post',
  path: PATH,
  tags: ['billing'],
  summary: 'Stripe webhook: verified on the raw body (Stripe-Signature), applied once per event id, in any order (docs/billing.md, "Webhook")',
  security: [{ stripeSignature: [] }],
  request: { body: { content: { 'application/json': { schema: StripeEventSchema } }, required: true } },
  responses: {
    200: { description: 'Recorded (replay: already processed before, nothing changed)', content: { 'application/json': { schema: ReceivedSchema } } },
    ...problemResponses(400, 503),
  },
});

/** The event each verified request carries, from the signature check to the handler. */
const verified = new WeakMap<Request, { billing: StripeBilling; event: StripeEventInput }>();

/**
 * Verifies the signature over the raw body before anything parses it (DESIGN.md): no Stripe configured
 * answers 503, a missing, wrong or stale signature 400, and nothing is written.
 */
function verifyStripeSignature(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const billing = billingOf(c.var.deps);
    if (!isStripeBilling(billing) || !billing.webhookSecret) {
      throw new ProblemError(503, 'stripe-not-configured', 'Stripe is not configured', 'This server does not bill through Stripe (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET).');
    }
    const payload = await c.req.text();
    const signature = c.req.header(SIGNATURE_HEADER);
    if (!signature) throw new ProblemError(400, 'stripe-signature-missing', 'Webhook refused', 'Send the Stripe-Signature header Stripe computed for this body.');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(payload, signature, billing.webhookSecret, WEBHOOK_TOLERANCE_SECONDS, undefined, billing.now().getTime());
    } catch (error) {
      const stale = error instanceof Error && /tolerance/i.test(error.message);
      throw new ProblemError(
        400,
        stale ? 'stripe-signature-stale' : 'stripe-signature-invalid',
        'Webhook refused',
        stale ? `The signature is more than ${WEBHOOK_TOLERANCE_SECONDS} seconds old.` : 'The signature does not match the body and the webhook secret.',
      );
    }
    verified.set(c.req.raw, { billing, event: event as unknown as StripeEventInput });
    await next();
  };
}

export const stripeWebhookRoutes = createRouter();
stripeWebhookRoutes.openAPIRegistry.registerComponent('securitySchemes', 'stripeSignature', {
  type: 'apiKey',
  in: 'header',
  name: 'Stripe-Signature',
  description: 't=<unix seconds>,v1=<hex HMAC-SHA256(STRIPE_WEBHOOK_SECRET, "<t>.<raw body>")>, as Stripe sends it',
});
stripeWebhookRoutes.use(PATH, verifyStripeSignature());

stripeWebhookRoutes.openapi(receive, async (c) => {
  const { billing, event } = verified.get(c.req.raw)!;
  let outcome: 'processed' | 'replayed';
  try {
    outcome = await processStripeEvent(billing, event);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    // Stripe retries a delivery that did not get a 2xx; the event stays unprocessed until then.
    throw new ProblemError(503, 'stripe-unreachable', 'Try again', 'Stripe could not be reached to re-read the object; nothing was changed.', undefined, { 'retry-after': '60' });
  }
  return c.json({ received: true as const, replay: outcome === 'replayed' }, 200);
});

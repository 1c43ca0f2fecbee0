import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A small Stripe for the tests, on 127.0.0.1 and a random port: it answers the part of the API the
 * billing code uses (customers, billing meters and meter events, prices by lookup key, subscriptions,
 * invoices) as Stripe does — form-encoded requests, JSON objects, Stripe's error envelope, idempotency
 * keys replayed, meter events deduplicated on `identifier` — records every request, and can be taken
 * down to play an outage. Tests never reach the internet.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  /** Query string and form body, decoded from Stripe's bracket notation. */
  params: Record<string, any>;
  idempotencyKey: string | undefined;
  /** Whether the fake answered from an earlier request with the same idempotency key. */
  replayed: boolean;
}

/**
 * `up`; `unavailable`: 503 api_error to everything; `reset`: the connection is closed before the request
 * is read; `lose-response`: the request is carried out, then the connection closed before the answer.
 */
export type FakeStripeMode = 'up' | 'unavailable' | 'reset' | 'lose-response';

type Obj = Record<string, any>;

export interface FakeStripe {
  /** http://127.0.0.1:<port>, for STRIPE_API_URL. */
  url: string;
  requests: RecordedRequest[];
  mode: FakeStripeMode;
  /** When set, `mode` applies to requests to this path only (e.g. only meter events are lost). */
  modePath: string | null;
  customers: Map<string, Obj>;
  meters: Map<string, Obj>;
  /** The dedup view: one meter event per identifier, as Stripe keeps them. */
  meterEvents: Map<string, Obj>;
  prices: Map<string, Obj>;
  subscriptions: Map<string, Obj>;
  invoices: Map<string, Obj>;
  /** Requests to a path (and method), e.g. requestsTo('POST', '/v1/billing/meter_events'). */
  requestsTo(method: string, path: string): RecordedRequest[];
  /** Sets an invoice as Stripe would have it now (merged into what the fake holds); answers it. */
  putInvoice(invoice: Obj & { id: string; customer: string }): Obj;
  /** Sets a subscription's fields (status…) as Stripe would have it now. */
  putSubscription(id: string, fields: Obj): Obj;
  close(): Promise<void>;
}

let sequence = 0;
const stripeId = (prefix: string) => `${prefix}_fake${(++sequence).toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;

/** Stripe's form encoding (`items[0][price]=…`) back to objects and arrays. */
export function decodeStripeParams(encoded: string): Record<string, any> {
  const root: Obj = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const parts = key.replace(/\]/g, '').split('[');
    let at: Obj = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) at[part] = value;
      else at = at[part] ??= {};
    });
  }
  const arrays = (node: any): any => {
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    const converted = Object.fromEntries(keys.map((k) => [k, arrays(node[k])]));
    return keys.length && keys.every((k) => /^\d+$/.test(k)) ? keys.sort((a, b) => Number(a) - Number(b)).map((k) => converted[k]) : converted;
  };
  return arrays(root);
}

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj,
  ) {
    super(body.message);
  }
}
const fail = (status: number, message: string, extra: Obj = {}) =>
  new StripeFailure(status, { type: status >= 500 ? 'api_error' : 'invalid_request_error', message, ...extra });
const missing = (what: string, id: string) => fail(404, `No such ${what}: '${id}'`, { code: 'resource_missing', param: 'id' });
const list = (url: string, data: Obj[]) => ({ object: 'list', url, has_more: false, data });

export async function startFakeStripe(options: { now?: () => Date } = {}): Promise<FakeStripe> {
  const now = options.now ?? (() => new Date());
  const unix = () => Math.floor(now().getTime() / 1000);
  const idempotency = new Map<string, { fingerprint: string; status: number; body: Obj }>();

  const fake: FakeStripe = {
    url: '',
    requests: [],
    mode: 'up',
    modePath: null,
    customers: new Map(),
    meters: new Map(),
    meterEvents: new Map(),
    prices: new Map(),
    subscriptions: new Map(),
    invoices: new Map(),
    requestsTo: (method, path) => fake.requests.filter((r) => r.method === method && r.path === path),
    putInvoice(invoice) {
      const merged = {
        object: 'invoice',
        status: 'draft',
        currency: 'eur',
        amount_due: 0,
        amount_paid: 0,
        number: null,
        hosted_invoice_url: null,
        invoice_pdf: null,
        period_start: unix(),
        period_end: unix(),
        due_date: null,
        created: unix(),
        status_transitions: { finalized_at: null, paid_at: null, voided_at: null, marked_uncollectible_at: null },
        ...fake.invoices.get(invoice.id),
        ...invoice,
      };
      fake.invoices.set(invoice.id, merged);
      return merged;
    },
    putSubscription(id, fields) {
      const subscription = fake.subscriptions.get(id);
      if (!subscription) throw new Error(`The fake holds no subscription ${id}`);
      Object.assign(subscription, fields);
      return subscription;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const priceObject = (id: string) => {
    const price = fake.prices.get(id);
    if (!price) throw missing('price', id);
    return price;
  };
  const subscriptionItem = (item: Obj) => ({
    id: stripeId('si'),
    object: 'subscription_item',
    price: priceObject(item.price),
    ...(item.quantity !== undefined ? { quantity: Number(item.quantity) } : priceObject(item.price).recurring?.usage_type === 'metered' ? {} : { quantity: 1 }),
  });

  function route(method: string, path: string, params: Obj): Obj {
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: stripeId('cus'), object: 'customer', created: unix(), livemode: false, name: params.name ?? null, description: params.description ?? null, metadata: params.metadata ?? {}, preferred_locales: params.preferred_locales ?? [] };
      fake.customers.set(customer.id, customer);
      return customer;
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      return fake.customers.get(m[1]!) ?? (() => { throw missing('customer', m![1]!); })();
    }
    if (method === 'GET' && path === '/v1/billing/meters') {
      const meters = [...fake.meters.values()].filter((meter) => !params.status || meter.status === params.status);
      return list(path, meters);
    }
    if (method === 'POST' && path === '/v1/billing/meters') {
      if (!params.event_name || !params.display_name || !params.default_aggregation?.formula) throw fail(400, 'Missing required param: event_name, display_name, default_aggregation.');
      if ([...fake.meters.values()].some((meter) => meter.event_name === params.event_name)) {
        throw fail(400, `A meter with event_name ${params.event_name} already exists.`, { code: 'resource_already_exists' });
      }
      const meter = {
        id: stripeId('mtr'),
        object: 'billing.meter',
        created: unix(),
        updated: unix(),
        livemode: false,
        status: 'active',
        status_transitions: { deactivated_at: null },
        event_name: params.event_name,
        display_name: params.display_name,
        event_time_window: null,
        default_aggregation: params.default_aggregation,
        customer_mapping: params.customer_mapping ?? { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: params.value_settings ?? { event_payload_key: 'value' },
      };
      fake.meters.set(meter.id, meter);
      return meter;
    }
    if (method === 'POST' && path === '/v1/billing/meter_events') {
      const meter = [...fake.meters.values()].find((candidate) => candidate.event_name === params.event_name && candidate.status === 'active');
      if (!meter) throw fail(400, `No active meter was found with event_name ${params.event_name}.`, { param: 'event_name' });
      const customerId = params.payload?.[meter.customer_mapping.event_payload_key];
      if (!fake.customers.has(customerId)) throw fail(400, `No such customer: '${customerId}'`, { param: 'payload' });
      if (!/^\d+$/.test(params.payload?.[meter.value_settings.event_payload_key] ?? '')) throw fail(400, 'The meter event value must be a whole number.', { param: 'payload' });
      const timestamp = params.timestamp ? Number(params.timestamp) : unix();
      if (timestamp > unix() + 300 || timestamp < unix() - 35 * 86_400) {
        throw fail(400, 'Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.', { param: 'timestamp' });
      }
      const identifier = params.identifier ?? stripeId('mev');
      if (fake.meterEvents.has(identifier)) {
        throw fail(400, `An event with identifier ${identifier} already exists.`, { code: 'resource_already_exists', param: 'identifier' });
      }
      const event = { object: 'billing.meter_event', created: unix(), livemode: false, event_name: params.event_name, identifier, payload: params.payload, timestamp };
      fake.meterEvents.set(identifier, event);
      return event;
    }
    if (method === 'GET' && path === '/v1/prices') {
      const keys: string[] | undefined = params.lookup_keys;
      let prices = [...fake.prices.values()];
      if (keys) prices = prices.filter((price) => keys.includes(price.lookup_key));
      if (params.active !== undefined) prices = prices.filter((price) => String(price.active) === params.active);
      return list(path, prices);
    }
    if (method === 'POST' && path === '/v1/prices') {
      if (!params.currency || !params.product_data?.name) throw fail(400, 'Missing required param: currency or product_data[name].');
      if (params.lookup_key) {
        for (const other of fake.prices.values()) {
          if (other.lookup_key !== params.lookup_key) continue;
          if (params.transfer_lookup_key !== 'true') throw fail(400, `A price (${other.id}) already uses that lookup key.`, { param: 'lookup_key' });
          other.lookup_key = null;
        }
      }
      const recurring = params.recurring && {
        interval: params.recurring.interval,
        interval_count: 1,
        usage_type: params.recurring.usage_type ?? 'licensed',
        meter: params.recurring.meter ?? null,
      };
      if (recurring?.usage_type === 'metered' && !fake.meters.has(recurring.meter)) throw fail(400, 'Metered prices need a meter.', { param: 'recurring[meter]' });
      const price = {
        id: stripeId('price'),
        object: 'price',
        active: true,
        created: unix(),
        livemode: false,
        currency: params.currency,
        unit_amount: Number(params.unit_amount),
        lookup_key: params.lookup_key ?? null,
        product: stripeId('prod'),
        type: recurring ? 'recurring' : 'one_time',
        recurring,
        metadata: params.metadata ?? {},
      };
      fake.prices.set(price.id, price);
      return price;
    }
    if (method === 'POST' && path === '/v1/subscriptions') {
      if (!fake.customers.has(params.customer)) throw missing('customer', params.customer);
      const subscription = {
        id: stripeId('sub'),
        object: 'subscription',
        created: unix(),
        livemode: false,
        customer: params.customer,
        status: 'active',
        collection_method: params.collection_method ?? 'charge_automatically',
        days_until_due: params.days_until_due ? Number(params.days_until_due) : null,
        billing_cycle_anchor_config: params.billing_cycle_anchor_config ?? null,
        start_date: params.backdate_start_date ? Number(params.backdate_start_date) : unix(),
        metadata: params.metadata ?? {},
        items: list('/v1/subscription_items', (params.items ?? []).map(subscriptionItem)),
      };
      fake.subscriptions.set(subscription.id, subscription);
      return subscription;
    }
    if (method === 'GET' && path === '/v1/subscriptions') {
      const subscriptions = [...fake.subscriptions.values()].filter((s) => !params.customer || s.customer === params.customer);
      return list(path, subscriptions);
    }
    if ((m = path.match(/^\/v1\/subscriptions\/([^/]+)$/))) {
      const subscription = fake.subscriptions.get(m[1]!);
      if (!subscription) throw missing('subscription', m[1]!);
      if (method === 'POST') {
        for (const change of params.items ?? []) {
          const items: Obj[] = subscription.items.data;
          if (change.id) {
            const item = items.find((candidate) => candidate.id === change.id);
            if (!item) throw missing('subscription item', change.id);
            if (change.deleted === 'true') items.splice(items.indexOf(item), 1);
            else if (change.quantity !== undefined) item.quantity = Number(change.quantity);
          } else items.push(subscriptionItem(change));
        }
      }
      return subscription;
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/invoices\/([^/]+)$/))) {
      return fake.invoices.get(m[1]!) ?? (() => { throw missing('invoice', m![1]!); })();
    }
    throw fail(404, `Unrecognized request URL (${method}: ${path}).`);
  }

  const send = (res: ServerResponse, status: number, body: Obj) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': stripeId('req') });
    res.end(JSON.stringify(body));
  };

  const modeFor = (path: string): FakeStripeMode => (fake.modePath === null || fake.modePath === path ? fake.mode : 'up');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (modeFor(new URL(req.url ?? '/', 'http://fake-stripe').pathname) === 'reset') {
      req.socket.destroy();
      return;
    }
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake-stripe');
      const method = req.method ?? 'GET';
      const params = decodeStripeParams(method === 'GET' ? url.search.slice(1) : raw);
      const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? undefined;
      const record: RecordedRequest = { method, path: url.pathname, params, idempotencyKey, replayed: false };
      fake.requests.push(record);
      const mode = modeFor(url.pathname);
      if (mode === 'unavailable') {
        send(res, 503, { error: { type: 'api_error', message: 'The fake Stripe is down.' } });
        return;
      }
      let status = 200;
      let body: Obj;
      // Every POST carries a key (the SDK generates one when we give none); Stripe answers a repeated key with the first answer.
      const key = method === 'POST' && idempotencyKey ? `${url.pathname} ${idempotencyKey}` : undefined;
      const fingerprint = raw;
      const earlier = key ? idempotency.get(key) : undefined;
      if (earlier) {
        record.replayed = true;
        if (earlier.fingerprint !== fingerprint) {
          status = 400;
          body = { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } };
        } else {
          status = earlier.status;
          body = earlier.body;
        }
      } else {
        try {
          body = route(method, url.pathname, params);
        } catch (error) {
          if (!(error instanceof StripeFailure)) throw error;
          status = error.status;
          body = { error: error.body };
        }
        // Stripe keeps the first answer to a key, errors included (except 5xx).
        if (key && status < 500) idempotency.set(key, { fingerprint, status, body });
      }
      if (mode === 'lose-response') {
        req.socket.destroy();
        return;
      }
      send(res, status, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** A webhook event as Stripe delivers it (the object as the event carried it; handlers re-fetch it). */
export function stripeEvent(type: string, object: Obj, options: { id?: string; created?: Date } = {}): Obj {
  return {
    id: options.id ?? stripeId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor((options.created ?? new Date()).getTime() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** The raw body and Stripe-Signature header Stripe would send for an event, signed at `at`. */
export function signStripeEvent(event: Obj, secret: string, at: Date): { payload: string; signature: string } {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(at.getTime() / 1000) });
  return { payload, signature };
}

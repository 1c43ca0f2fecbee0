import type Stripe from 'stripe';

/** A price we need in Stripe, found again by its lookup key (so no Stripe ids are kept in our database). */
export interface PriceSpec {
  lookupKey: string;
  currency: string;
  unitAmount: number;
  productName: string;
  /** Metered prices follow a meter (1 minor unit per meter unit); licensed ones bill a quantity each month. */
  meterId?: string;
}

const LOOKUP_KEYS_PER_LIST = 10;

/**
 * The meters and prices every tenant's subscription is built from. Meters are found by event name and
 * prices by lookup key, created once (with an idempotency key, so two processes creating the same one
 * at once get the same object) and remembered for the life of the process.
 */
export class StripeCatalog {
  private readonly meters = new Map<string, Promise<string>>();
  private readonly prices = new Map<string, string>();
  private knownMeters: Promise<Map<string, string>> | null = null;

  constructor(private readonly stripe: Stripe) {}

  /** The id of the meter for an event name (`switchboard_order_taking`), created if Stripe has none. */
  meterId(eventName: string): Promise<string> {
    let id = this.meters.get(eventName);
    if (!id) {
      id = this.findOrCreateMeter(eventName);
      id.catch(() => this.meters.delete(eventName));
      this.meters.set(eventName, id);
    }
    return id;
  }

  private async findOrCreateMeter(eventName: string): Promise<string> {
    this.knownMeters ??= this.listMeters();
    const known = await this.knownMeters.catch((error: unknown) => {
      this.knownMeters = null;
      throw error;
    });
    const existing = known.get(eventName);
    if (existing) return existing;
    const meter = await this.stripe.billing.meters.create(
      {
        display_name: `Switchboard ${eventName.replace(/^switchboard_/, '').replaceAll('_', ' ')} (minor units)`,
        event_name: eventName,
        default_aggregation: { formula: 'sum' },
        customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: { event_payload_key: 'value' },
      },
      { idempotencyKey: `switchboard-meter-${eventName}` },
    );
    return meter.id;
  }

  private async listMeters(): Promise<Map<string, string>> {
    const byName = new Map<string, string>();
    for await (const meter of this.stripe.billing.meters.list({ limit: 100 })) {
      if (!byName.has(meter.event_name) || meter.status === 'active') byName.set(meter.event_name, meter.id);
    }
    return byName;
  }

  /** Price ids by lookup key, creating the prices Stripe does not have yet. */
  async priceIds(specs: PriceSpec[]): Promise<Map<string, string>> {
    const missing = specs.filter((spec) => !this.prices.has(spec.lookupKey));
    for (let i = 0; i < missing.length; i += LOOKUP_KEYS_PER_LIST) {
      const keys = missing.slice(i, i + LOOKUP_KEYS_PER_LIST).map((spec) => spec.lookupKey);
      const found = await this.stripe.prices.list({ lookup_keys: keys, active: true, limit: 100 });
      for (const price of found.data) if (price.lookup_key) this.prices.set(price.lookup_key, price.id);
    }
    for (const spec of missing) {
      if (this.prices.has(spec.lookupKey)) continue;
      const price = await this.stripe.prices.create(
        {
          currency: spec.currency.toLowerCase(),
          unit_amount: spec.unitAmount,
          lookup_key: spec.lookupKey,
          // An archived price may still hold the key: the new one takes it over.
          transfer_lookup_key: true,
          product_data: { name: spec.productName },
          recurring: spec.meterId
            ? { interval: 'month', usage_type: 'metered', meter: spec.meterId }
            : { interval: 'month', usage_type: 'licensed' },
          metadata: { managed_by: 'switchboard' },
        },
        { idempotencyKey: `switchboard-price-${spec.lookupKey}` },
      );
      this.prices.set(spec.lookupKey, price.id);
    }
    return new Map(specs.map((spec) => [spec.lookupKey, this.prices.get(spec.lookupKey)!]));
  }
}

import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { DB } from '@switchboard/db';
import type { StripeCatalog } from './catalog.ts';

/** What the Stripe side of billing works with; built once per process (provider.ts). */
export interface StripeDeps {
  db: Kysely<DB>;
  stripe: Stripe;
  catalog: StripeCatalog;
  now: () => Date;
}

import type { Language } from '@switchboard/db';
import type { Kysely } from 'kysely';
import type { DB, Tenant, TenantTx, UserKind } from '@switchboard/db';
import type { Config } from '../config.ts';
import type { EventHub } from '../events/hub.ts';
import type { BillingProvider } from '../billing/provider.ts';

/** Services built once per process and reached through the context, so tests swap them. */
export interface Deps {
  db: Kysely<DB>;
  databaseKind: 'pglite' | 'postgres';
  config: Config;
  now: () => Date;
  /** The process's LISTEN/NOTIFY hub behind GET /api/events; without one that route answers 503. */
  events?: EventHub;
  /** Where invoices come from; without one, `none` (api/src/billing/provider.ts). */
  billing?: BillingProvider;
}

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  kind: UserKind;
  mustChangePassword: boolean;
  /** The language the person chose for the interface and their exports; null: their browser's. */
  language: Language | null;
}

export interface Actor {
  id: string;
  label: string;
  kind: UserKind;
}

/** What a tenant-scoped handler works with: the tenant, who acts, and a transaction that sees only this tenant. */
export interface TenantContext {
  tenant: Tenant;
  actor: Actor;
  /** How the user acts here: provider staff by their kind, client users by their role in this tenant. */
  access: UserKind;
  tx: TenantTx;
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    user: SessionUser | undefined;
    sessionId: string | undefined;
    tenantContext: TenantContext;
  };
};

export function actorOf(user: SessionUser): Actor {
  return { id: user.id, label: `${user.displayName} <${user.email}>`, kind: user.kind };
}

import type { Kysely } from 'kysely';
import type { DB, Tenant } from '@switchboard/db';
import { createTenant, type Actor, type CreateTenantInput, type Invitation } from '@switchboard/api';

export function uniqueSlug(label = 'tenant'): string {
  return `${label}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A tenant onboarded through the createTenant service, as POST /api/tenants does it. */
export async function seedTenant(
  db: Kysely<DB>,
  options: Partial<CreateTenantInput> & { actor?: Actor | null; now?: Date } = {},
): Promise<{ tenant: Tenant; invitation: Invitation | null }> {
  const { actor = null, now = new Date(), ...input } = options;
  const slug = input.slug ?? uniqueSlug();
  return createTenant(
    db,
    actor,
    {
      slug,
      name: `Company ${slug}`,
      legalName: `Company ${slug} SAS`,
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      currency: 'EUR',
      ...input,
    },
    now,
  );
}

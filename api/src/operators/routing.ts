import { z } from '@hono/zod-openapi';
import type { RoutingEntry } from '@switchboard/db';
import { SkillSchema } from '../http/validators.ts';

/**
 * An operator's routing profile for one tenant: per skill it serves the tenant with, a priority
 * (1 is offered first) and a delay before a waiting call is offered to it. A skill without an entry
 * has priority 1 and no delay (contract: routing core). Stored in operator_assignments.routing.
 */
export const RoutingEntrySchema = z
  .strictObject({
    priority: z
      .number({ error: 'Enter a priority from 1 to 9.' })
      .int('Enter a priority from 1 to 9.')
      .min(1, 'Use a priority from 1 (offered first) to 9.')
      .max(9, 'Use a priority from 1 (offered first) to 9.')
      .default(1),
    delaySeconds: z
      .number({ error: 'Enter a whole number of seconds.' })
      .int('Enter a whole number of seconds.')
      .min(0, 'A delay cannot be negative.')
      .max(600, 'Use a delay of at most 600 seconds (10 minutes).')
      .default(0),
  })
  .openapi('RoutingEntry', { example: { priority: 2, delaySeconds: 20 } });

export const RoutingSchema = z
  .record(SkillSchema, RoutingEntrySchema)
  .openapi('RoutingProfile', { example: { order_taking: { priority: 1, delaySeconds: 0 }, information: { priority: 3, delaySeconds: 30 } } });

export type Routing = Record<string, RoutingEntry>;

/** Entries by skill name, fields in one order, so two equal profiles compare equal as JSON. */
export function normalizeRouting(routing: Record<string, { priority: number; delaySeconds: number }>): Routing {
  return Object.fromEntries(
    Object.keys(routing)
      .sort()
      .map((skill) => [skill, { priority: routing[skill]!.priority, delaySeconds: routing[skill]!.delaySeconds }]),
  );
}

/** The stored profile, read defensively: anything that is not a valid entry is left out. */
export function storedRouting(value: unknown): Routing {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const entries = Object.entries(value as Record<string, unknown>).flatMap(([skill, entry]) => {
    const parsed = RoutingEntrySchema.safeParse(entry);
    return parsed.success ? [[skill, parsed.data] as const] : [];
  });
  return normalizeRouting(Object.fromEntries(entries));
}

/** Each routing entry for a skill the operator does not have, at its own path. */
export function routingIssues(skills: readonly string[], routing: Record<string, unknown>, prefix: (string | number)[] = ['routing']): { path: (string | number)[]; message: string }[] {
  const held = new Set(skills);
  return Object.keys(routing)
    .filter((skill) => !held.has(skill))
    .map((skill) => ({ path: [...prefix, skill], message: `${skill} is not one of this operator's skills here; add the skill first.` }));
}

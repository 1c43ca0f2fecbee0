import { z } from '@hono/zod-openapi';
import { menuKeys } from './walk.ts';

/**
 * A keypad menu (IVR) for one of a company's numbers (issue 17, docs/ivr.md): pure, shared by the portal's
 * editor and preview, the HTTP boundary (POST /api/telephony/calls with `keys`), the Twilio adapter's TwiML
 * and the simulator's callers. A menu is a set of nodes; each plays a prompt and maps keys to a target. The
 * walk is stateless: given the keys pressed so far it says where the caller is, so an adapter that lost its
 * state (or retries) asks again with the same keys and gets the same answer.
 */

export { menuKeys, NO_INPUT, walkMenu, type MenuKey, type MenuStep } from './walk.ts';

const nodeId = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/);
const functionName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);

export const promptSchema = z.discriminatedUnion('kind', [
  /** Read by the carrier's text-to-speech in the company's language. */
  z.object({ kind: z.literal('tts'), text: z.string().min(1).max(1000) }),
  /** An uploaded recording (tenant_audio). */
  z.object({ kind: z.literal('audio'), audioId: z.string().uuid() }),
]);
export type MenuPrompt = z.infer<typeof promptSchema>;

export const targetSchema = z.discriminatedUnion('kind', [
  /** Into the queue of a delegated inbound function (its hours apply: closed, its after-hours action). */
  z.object({ kind: z.literal('function'), function: functionName }),
  /** Another node of this menu (a sub-menu, or back to a parent). */
  z.object({ kind: z.literal('menu'), node: nodeId }),
  /** The function's after-hours action right away (a message, a callback, a forward…), whatever the hours. */
  z.object({ kind: z.literal('after_hours'), function: functionName }),
  /** Play a message, then hang up. */
  z.object({ kind: z.literal('message'), prompt: promptSchema }),
]);
export type MenuTarget = z.infer<typeof targetSchema>;

export const menuNodeSchema = z.object({
  prompt: promptSchema,
  choices: z.array(z.object({ key: z.enum(menuKeys), label: z.string().max(200), target: targetSchema })).max(12),
  /** What happens when the caller keys nothing after the prompt was played `repeat` times. */
  noInput: targetSchema,
  repeat: z.number().int().min(1).max(5).default(2),
});
export type MenuNode = z.infer<typeof menuNodeSchema>;

export const menuDefinitionSchema = z.object({
  root: nodeId,
  nodes: z.record(nodeId, menuNodeSchema),
});
export type MenuDefinition = z.infer<typeof menuDefinitionSchema>;

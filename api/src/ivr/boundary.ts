import type { Kysely } from 'kysely';
import { routing, withTenant, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { receiveCall, type IncomingAnswer, type IncomingCall } from '../telephony/incoming.ts';
import { audioHref } from './audio-url.ts';
import { walkMenu, type MenuPrompt } from './menu.ts';
import { loadMenuForNumber } from './service.ts';
import { recordMenuStep } from './visits.ts';

/** A prompt as an adapter plays it: text for its speech synthesis in the company's language, or a signed URL. */
export type PlayablePrompt = { kind: 'tts'; text: string; language: string } | { kind: 'audio'; url: string };

/**
 * The caller is still in the number's keypad menu (`menu`: play `prompt` up to `repeat` times, gather one key,
 * and POST again with the keys so far), or the menu played its goodbye (`hang_up`: play `prompt`, hang up).
 */
export interface MenuAnswer {
  outcome: 'menu' | 'hang_up';
  tenant: string;
  keys: string;
  node: string | null;
  prompt: PlayablePrompt;
  choices: { key: string; label: string }[];
  repeat: number;
  /** The last key was not one this node offers: say so, then replay it. */
  invalid: boolean;
}

export function playable(config: Pick<Config, 'publicUrl' | 'secretsKey'>, tenantId: string, language: string, prompt: MenuPrompt, now: Date): PlayablePrompt {
  return prompt.kind === 'tts' ? { kind: 'tts', text: prompt.text, language } : { kind: 'audio', url: audioHref(config, tenantId, prompt.audioId, now) };
}

/**
 * POST /api/telephony/calls with the keys pressed so far (docs/telephony.md, Keypad menus). Without a menu on
 * the number, or once the adapter's call id already made a call, this is receiveCall. In the menu no call is
 * made (the walk is stateless: the same keys answer the same; each step is only noted on the caller's menu
 * visit, visits.ts); once the walk leaves it the call is made with the chosen function, the `menu` event on
 * its timeline.
 */
export async function receiveWithMenu(
  db: Kysely<DB>,
  config: Pick<Config, 'publicUrl' | 'secretsKey'>,
  input: Omit<IncomingCall, 'function' | 'menu'> & { keys?: string | undefined },
  now: Date,
): Promise<{ answer: IncomingAnswer; queued: boolean } | { menu: MenuAnswer } | null> {
  const { keys, ...call } = input;
  const owner = await routing.tenantForNumber(db, input.dialled);
  if (!owner) return null;
  // No menu on the number: straight to the call (one tenant transaction, as before menus).
  if (!owner.hasMenu) return receiveCall(db, call, now, owner);
  const found = await withTenant(db, owner.tenantId, async (tx) => {
    const tenant = await tx
      .selectFrom('tenants as t')
      .leftJoin('calls as c', (join) => join.on('c.externalId', '=', input.callId))
      .select(['t.slug', 't.locale', 't.status', 'c.id as callId'])
      .where('t.id', '=', owner.tenantId)
      .executeTakeFirstOrThrow();
    // A suspended company takes no calls (receiveCall answers its announcement); a call already made stands.
    if (tenant.callId || tenant.status === 'suspended') return null;
    const menu = await loadMenuForNumber(tx, input.dialled);
    if (!menu) return null;
    // The walk is stateless (the same keys answer the same); where the caller got to is kept for the menu's figures.
    const step = walkMenu(menu, keys ?? '');
    await recordMenuStep(tx, { number: input.dialled, carrierRef: input.callId }, step, now);
    return { tenant, menu, step };
  });
  if (!found) return receiveCall(db, call, now, owner);
  const { step } = found;
  const say = (prompt: MenuPrompt) => playable(config, owner.tenantId, found.tenant.locale, prompt, now);
  if (step.kind === 'menu') {
    const node = found.menu.nodes[step.node]!;
    return {
      menu: {
        outcome: 'menu',
        tenant: found.tenant.slug,
        keys: step.keys,
        node: step.node,
        prompt: say(step.prompt),
        choices: node.choices.map((c) => ({ key: c.key, label: c.label })),
        repeat: node.repeat,
        invalid: step.invalid,
      },
    };
  }
  if (step.kind === 'message') {
    return { menu: { outcome: 'hang_up', tenant: found.tenant.slug, keys: step.keys, node: null, prompt: say(step.prompt), choices: [], repeat: 1, invalid: false } };
  }
  return receiveCall(db, { ...call, function: step.function, menu: { keys: step.keys, ...(step.kind === 'after_hours' ? { afterHours: true } : {}) } }, now, owner);
}

import type { MenuDefinition, MenuPrompt } from './menu.ts';

/**
 * The walk of a keypad menu (docs/ivr.md), apart from the schemas so the web app's preview runs the very
 * same code (`@switchboard/api/ivr`) without the server's zod-openapi.
 */
export const menuKeys = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export type MenuKey = (typeof menuKeys)[number];

/** Where the keys lead: still in a menu (play its prompt, gather one key), or out of it. */
export type MenuStep =
  | { kind: 'menu'; node: string; prompt: MenuPrompt; keys: string; invalid: boolean }
  | { kind: 'function'; function: string; keys: string }
  | { kind: 'after_hours'; function: string; keys: string }
  | { kind: 'message'; prompt: MenuPrompt; keys: string };

/** The reserved key for "the caller keyed nothing": `keys` may end with it (`1` then silence: "1_"). */
export const NO_INPUT = '_';

/**
 * Walks `keys` (each a menu key, or `_` for a prompt that got no answer) from the root. A key the node
 * does not offer replays the node (`invalid: true`); a definition that points at a missing node answers
 * its root (validation refuses such menus; the walk never throws on what a caller typed).
 */
export function walkMenu(menu: MenuDefinition, keys: string): MenuStep {
  let nodeName = menu.root;
  let consumed = '';
  let invalid = false;
  for (const key of keys) {
    const node = menu.nodes[nodeName];
    if (!node) break;
    consumed += key;
    const target = key === NO_INPUT ? node.noInput : node.choices.find((c) => c.key === key)?.target;
    if (!target) {
      invalid = true;
      continue;
    }
    invalid = false;
    if (target.kind === 'menu') {
      nodeName = menu.nodes[target.node] ? target.node : menu.root;
      continue;
    }
    if (target.kind === 'function') return { kind: 'function', function: target.function, keys: consumed };
    if (target.kind === 'after_hours') return { kind: 'after_hours', function: target.function, keys: consumed };
    return { kind: 'message', prompt: target.prompt, keys: consumed };
  }
  const node = menu.nodes[nodeName] ?? menu.nodes[menu.root]!;
  return { kind: 'menu', node: nodeName, prompt: node.prompt, keys: consumed, invalid };
}

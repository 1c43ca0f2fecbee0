import { sql } from 'kysely';
import { callFunctions, jsonb, newId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';
import { conflict, fieldError, invalid, notFound, type FieldErrorInput } from '../http/problem.ts';
import { redactCardNumbers } from '@switchboard/db/card-numbers';
import { menuDefinitionSchema, walkMenu, type MenuDefinition, type MenuPrompt, type MenuStep, type MenuTarget } from './menu.ts';

/**
 * A company's keypad menus (issue 17, docs/ivr.md): one per number, stored whole, refused unless a caller
 * can never be stuck in it. The checks beside the shape (menu.ts):
 * - every node a choice or a no-input names exists, the root too;
 * - every node is reachable from the root (nothing left over that an editor thinks callers hear);
 * - from every node a way out (a function, an after-hours action, a message) is reachable: a caller who
 *   keeps pressing keys is never walked around a loop for good;
 * - a key is offered once per node; at most MAX_NODES nodes;
 * - functions are the company's delegated inbound functions; audio prompts are the company's uploads.
 */
export const MAX_NODES = 30;

const inboundFunctions = new Set<string>(callFunctions.filter((f) => f.direction === 'inbound').map((f) => f.id));

export interface IvrMenu {
  number: string;
  /** The number's own function (where calls go without a menu). */
  function: string;
  label: string;
  enabled: boolean;
  definition: MenuDefinition | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

/**
 * The enabled keypad menu of one of the tenant's numbers, or null (no menu, disabled, or a stored definition
 * that no longer parses: a caller is then routed as if there were no menu rather than stuck).
 */
export async function loadMenuForNumber(tx: TenantTx, number: string): Promise<MenuDefinition | null> {
  const row = await tx.selectFrom('ivrMenus').select(['definition']).where('number', '=', number).where('enabled', '=', true).executeTakeFirst();
  if (!row) return null;
  const parsed = menuDefinitionSchema.safeParse(row.definition);
  return parsed.success ? parsed.data : null;
}

/** Every number of the company, with its menu if it has one. */
export async function listMenus(tx: TenantTx): Promise<IvrMenu[]> {
  const rows = await tx
    .selectFrom('phoneNumbers as p')
    .leftJoin('ivrMenus as m', 'm.number', 'p.number')
    .select(['p.number', 'p.function', 'p.label', 'm.enabled', 'm.definition', 'm.updatedAt', 'm.updatedBy'])
    .orderBy('p.number')
    .execute();
  return rows.map((r) => {
    const parsed = r.definition ? menuDefinitionSchema.safeParse(r.definition) : null;
    return {
      number: r.number,
      function: r.function,
      label: r.label,
      enabled: r.enabled ?? false,
      definition: parsed?.success ? parsed.data : null,
      updatedAt: r.updatedAt ? new Date(r.updatedAt).toISOString() : null,
      updatedBy: r.updatedBy ?? null,
    };
  });
}

export async function getMenu(tx: TenantTx, number: string): Promise<IvrMenu> {
  const menu = (await listMenus(tx)).find((m) => m.number === number);
  if (!menu) throw notFound('The company has no such number.');
  return menu;
}

function promptsOf(definition: MenuDefinition): { path: string; prompt: MenuPrompt }[] {
  const out: { path: string; prompt: MenuPrompt }[] = [];
  for (const [id, node] of Object.entries(definition.nodes)) {
    out.push({ path: `definition.nodes.${id}.prompt`, prompt: node.prompt });
    const targets: [string, MenuTarget][] = [...node.choices.map((c, i) => [`definition.nodes.${id}.choices.${i}.target`, c.target] as [string, MenuTarget]), [`definition.nodes.${id}.noInput`, node.noInput]];
    for (const [path, target] of targets) if (target.kind === 'message') out.push({ path: `${path}.prompt`, prompt: target.prompt });
  }
  return out;
}

/** The checks that need no database: structure (nodes, reachability, a way out from everywhere, keys). */
export function structuralProblems(definition: MenuDefinition): FieldErrorInput[] {
  const errors: FieldErrorInput[] = [];
  const ids = Object.keys(definition.nodes);
  if (ids.length > MAX_NODES) errors.push(fieldError('definition.nodes', 'too_big', `At most ${MAX_NODES} nodes.`, { maximum: MAX_NODES, origin: 'object', inclusive: true }));
  if (!definition.nodes[definition.root]) errors.push(fieldError('definition.root', 'ivr.no_such_node', `No node is named ${definition.root}.`, { node: definition.root }));
  const edges = new Map<string, string[]>();
  const exits = new Set<string>();
  for (const [id, node] of Object.entries(definition.nodes)) {
    const next: string[] = [];
    const seen = new Set<string>();
    const targets: [string, MenuTarget][] = [...node.choices.map((c, i) => [`definition.nodes.${id}.choices.${i}`, c.target] as [string, MenuTarget]), [`definition.nodes.${id}.noInput`, node.noInput]];
    node.choices.forEach((c, i) => {
      if (seen.has(c.key)) errors.push(fieldError(`definition.nodes.${id}.choices.${i}.key`, 'listed_twice', `The key ${c.key} is offered twice.`, { value: c.key }));
      seen.add(c.key);
    });
    for (const [path, target] of targets) {
      if (target.kind !== 'menu') {
        exits.add(id);
        continue;
      }
      if (!definition.nodes[target.node]) {
        errors.push(fieldError(`${path}${path.endsWith('noInput') ? '' : '.target'}.node`, 'ivr.no_such_node', `No node is named ${target.node}.`, { node: target.node }));
        continue;
      }
      next.push(target.node);
    }
    edges.set(id, next);
  }
  // Reachable from the root.
  const reached = new Set<string>();
  const stack = definition.nodes[definition.root] ? [definition.root] : [];
  while (stack.length) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    stack.push(...(edges.get(id) ?? []));
  }
  for (const id of ids) if (definition.nodes[definition.root] && !reached.has(id)) errors.push(fieldError(`definition.nodes.${id}`, 'ivr.unreachable', `No key leads to ${id} from the first menu.`, { node: id }));
  // A way out reachable from every node: walk the edges backwards from the nodes that have an exit.
  const escapes = new Set<string>(exits);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, next] of edges) if (!escapes.has(id) && next.some((n) => escapes.has(n))) {
      escapes.add(id);
      changed = true;
    }
  }
  for (const id of ids) if (!escapes.has(id)) errors.push(fieldError(`definition.nodes.${id}`, 'ivr.dead_end', `Callers in ${id} can never leave the menu: give a key (or no input) a function, an after-hours action or a message.`, { node: id }));
  return errors;
}

/** Every problem of a definition for this company: structure, then its functions and audio. */
export async function menuProblems(tx: TenantTx, definition: MenuDefinition): Promise<FieldErrorInput[]> {
  const errors = structuralProblems(definition);
  const delegated = new Set(
    (await tx.selectFrom('delegations').select('function').where('delegated', '=', true).execute()).map((d) => d.function).filter((f) => inboundFunctions.has(f)),
  );
  for (const [id, node] of Object.entries(definition.nodes)) {
    const targets: [string, MenuTarget][] = [...node.choices.map((c, i) => [`definition.nodes.${id}.choices.${i}.target`, c.target] as [string, MenuTarget]), [`definition.nodes.${id}.noInput`, node.noInput]];
    for (const [path, target] of targets) {
      if ((target.kind === 'function' || target.kind === 'after_hours') && !delegated.has(target.function)) {
        errors.push(fieldError(`${path}.function`, 'ivr.not_delegated', `The company does not delegate the inbound function ${target.function}.`, { function: target.function }));
      }
    }
  }
  const audio = promptsOf(definition).filter((p) => p.prompt.kind === 'audio') as { path: string; prompt: Extract<MenuPrompt, { kind: 'audio' }> }[];
  if (audio.length) {
    const known = new Set((await tx.selectFrom('tenantAudio').select('id').where('id', 'in', [...new Set(audio.map((a) => a.prompt.audioId))]).execute()).map((a) => a.id));
    for (const a of audio) if (!known.has(a.prompt.audioId)) errors.push(fieldError(`${a.path}.audioId`, 'ivr.no_such_audio', 'Not one of the company’s uploaded recordings.', { audioId: a.prompt.audioId }));
  }
  return errors;
}

/** Saves (creates or replaces) the menu of one of the company's numbers, audited; nothing saved on any problem. */
/** A menu's texts are typed by people like any other: card numbers are redacted before they are stored (and spoken). */
function redactedMenu(definition: MenuDefinition): MenuDefinition {
  const prompt = (p: MenuPrompt): MenuPrompt => (p.kind === 'tts' ? { ...p, text: redactCardNumbers(p.text) } : p);
  const target = (t: MenuTarget): MenuTarget => (t.kind === 'message' ? { ...t, prompt: prompt(t.prompt) } : t);
  return {
    ...definition,
    nodes: Object.fromEntries(
      Object.entries(definition.nodes).map(([id, node]) => [
        id,
        { ...node, prompt: prompt(node.prompt), noInput: target(node.noInput), choices: node.choices.map((c) => ({ ...c, label: redactCardNumbers(c.label), target: target(c.target) })) },
      ]),
    ),
  };
}

export async function saveMenu(tx: TenantTx, tenantId: string, actor: Actor | null, number: string, given: { enabled: boolean; definition: MenuDefinition }, now: Date): Promise<IvrMenu> {
  const input = { ...given, definition: redactedMenu(given.definition) };
  await lockMenusAndAudio(tx, tenantId);
  const before = await getMenu(tx, number);
  const errors = await menuProblems(tx, input.definition);
  if (errors.length) throw invalid(errors, 'The menu has problems: nothing was saved.');
  await tx
    .insertInto('ivrMenus')
    .values({ tenantId, number, definition: jsonb(input.definition), enabled: input.enabled, updatedAt: now, updatedBy: actor?.label ?? 'system' })
    .onConflict((oc) => oc.columns(['tenantId', 'number']).doUpdateSet({ definition: jsonb(input.definition), enabled: input.enabled, updatedAt: now, updatedBy: actor?.label ?? 'system' }))
    .execute();
  await writeAudit(tx, tenantId, actor, { action: 'ivr_menu.saved', targetType: 'ivr_menu', targetId: number, before: before.definition ? { enabled: before.enabled, definition: before.definition } : null, after: input });
  return getMenu(tx, number);
}

export async function deleteMenu(tx: TenantTx, tenantId: string, actor: Actor | null, number: string): Promise<void> {
  const before = await getMenu(tx, number);
  if (!before.definition) throw notFound('This number has no menu.');
  await tx.deleteFrom('ivrMenus').where('number', '=', number).execute();
  await writeAudit(tx, tenantId, actor, { action: 'ivr_menu.deleted', targetType: 'ivr_menu', targetId: number, before: { enabled: before.enabled, definition: before.definition }, after: null });
}

// --- Audio -------------------------------------------------------------------------------------------

export const MAX_AUDIO_BYTES = 5 * 1024 * 1024;

/** What the bytes are, by their magic numbers (the name and the declared type are not trusted). */
export function audioMime(bytes: Uint8Array): 'audio/mpeg' | 'audio/wav' | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'audio/wav';
  if (bytes.length >= 3 && ascii(0, 3) === 'ID3') return 'audio/mpeg';
  // An MPEG audio frame header: 11 sync bits, then a layer that is not "reserved".
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0 && (bytes[1]! & 0x06) !== 0) return 'audio/mpeg';
  return null;
}

export interface AudioItem {
  id: string;
  name: string;
  mime: 'audio/mpeg' | 'audio/wav';
  size: number;
  createdAt: string;
  createdBy: string;
  usedBy: string[];
  holdMusic: boolean;
}

function usedBy(menus: { number: string; definition: unknown }[], audioId: string): string[] {
  return menus.filter((m) => JSON.stringify(m.definition).includes(`"audioId":"${audioId}"`)).map((m) => m.number);
}

export async function listAudio(tx: TenantTx): Promise<AudioItem[]> {
  const [rows, menus] = await Promise.all([
    tx.selectFrom('tenantAudio').select(['id', 'name', 'mime', 'size', 'createdAt', 'createdBy', 'holdMusic']).orderBy('createdAt', 'desc').execute(),
    tx.selectFrom('ivrMenus').select(['number', 'definition']).execute(),
  ]);
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), usedBy: usedBy(menus, r.id) }));
}

export async function uploadAudio(tx: TenantTx, tenantId: string, actor: Actor | null, given: { name: string; content: Uint8Array }, now: Date): Promise<AudioItem> {
  const input = { ...given, name: redactCardNumbers(given.name) };
  if (input.content.length === 0) throw invalid([fieldError('content', 'too_small', 'The file is empty.', { minimum: 1, origin: 'file', inclusive: true })]);
  if (input.content.length > MAX_AUDIO_BYTES) throw invalid([fieldError('content', 'too_big', 'The file is larger than 5 MB.', { maximum: MAX_AUDIO_BYTES, origin: 'file', inclusive: true })]);
  const mime = audioMime(input.content);
  if (!mime) throw invalid([fieldError('content', 'ivr.audio_format', 'Upload an MP3 or WAV file.')]);
  const id = newId();
  const row = { tenantId, id, name: input.name, mime, size: input.content.length, content: input.content, createdAt: now, createdBy: actor?.label ?? 'system' };
  await tx.insertInto('tenantAudio').values(row).execute();
  await writeAudit(tx, tenantId, actor, { action: 'audio.uploaded', targetType: 'audio', targetId: id, after: { name: input.name, mime, size: row.size } });
  return { id, name: input.name, mime, size: row.size, createdAt: now.toISOString(), createdBy: row.createdBy, usedBy: [], holdMusic: false };
}

/**
 * The company's hold music: one of its uploads, or none (Twilio's default), heard by callers waiting in
 * the queue and by a caller an operator holds. Audited; another company's upload is not found (RLS).
 */
export async function setHoldMusic(tx: TenantTx, tenantId: string, actor: Actor | null, audioId: string | null): Promise<{ audioId: string | null }> {
  await lockMenusAndAudio(tx, tenantId);
  const before = await tx.selectFrom('tenantAudio').select('id').where('holdMusic', '=', true).executeTakeFirst();
  if (audioId && !(await tx.selectFrom('tenantAudio').select('id').where('id', '=', audioId).executeTakeFirst())) {
    throw invalid([fieldError('audioId', 'ivr.no_such_audio', 'Not one of the company’s uploaded recordings.')]);
  }
  if ((before?.id ?? null) === audioId) return { audioId };
  await tx.updateTable('tenantAudio').set({ holdMusic: false }).where('holdMusic', '=', true).execute();
  if (audioId) await tx.updateTable('tenantAudio').set({ holdMusic: true }).where('id', '=', audioId).execute();
  await writeAudit(tx, tenantId, actor, { action: 'audio.hold_music', targetType: 'audio', targetId: audioId ?? before?.id ?? null, before: { audioId: before?.id ?? null }, after: { audioId } });
  return { audioId };
}

/** The upload the company's callers hear while they wait, if it chose one. */
export async function holdMusicAudio(tx: TenantTx): Promise<string | undefined> {
  return (await tx.selectFrom('tenantAudio').select('id').where('holdMusic', '=', true).executeTakeFirst())?.id;
}

export async function readAudio(tx: TenantTx, id: string): Promise<{ mime: string; content: Uint8Array } | undefined> {
  return tx.selectFrom('tenantAudio').select(['mime', 'content']).where('id', '=', id).executeTakeFirst();
}

/** Deletes an upload, unless a menu still plays it (409 naming the numbers). */
/**
 * Saving a menu and deleting an upload take turns per tenant (a transaction advisory lock): otherwise a menu
 * saved with a recording while it is being deleted could be left playing nothing. Rare, admin-only writes.
 */
async function lockMenusAndAudio(tx: TenantTx, tenantId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`ivr_audio:${tenantId}`}, 0))`.execute(tx);
}

export async function deleteAudio(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  await lockMenusAndAudio(tx, tenantId);
  const row = await tx.selectFrom('tenantAudio').select(['name', 'mime', 'size', 'holdMusic']).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  const menus = await tx.selectFrom('ivrMenus').select(['number', 'definition']).execute();
  const numbers = usedBy(menus, id);
  if (numbers.length) throw conflict('audio_in_use', `The menus of ${numbers.join(', ')} play this recording: change them first.`, { numbers });
  await tx.deleteFrom('tenantAudio').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'audio.deleted', targetType: 'audio', targetId: id, before: row });
}

// --- The HTTP boundary -------------------------------------------------------------------------------

export type { MenuStep };
export { walkMenu };

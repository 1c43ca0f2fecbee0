/**
 * Finds user-visible words the web app writes outside its translation files (web/src/locales/*.json):
 * text and readable attributes (placeholder, title, aria-label, alt, label…) in .vue templates, and
 * sentence-like string literals in scripts. An element marked `translate="no"` (the HTML attribute for
 * words that stay as they are: codes, samples, the product's name) and a line ending in
 * `// i18n-ignore` are left out. `pnpm i18n:check` prints what it finds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@vue/compiler-sfc';

export const webSrc = join(import.meta.dirname, '..', '..', 'web', 'src');
export const localesDir = join(webSrc, 'locales');

export interface Finding {
  file: string;
  line: number;
  text: string;
}

const readableAttributes = new Set(['placeholder', 'title', 'aria-label', 'alt', 'label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'summary']);
/** Words that are the same in every language. */
const allowedText = new Set(['Switchboard', 'Stripe', 'CSV', 'XLSX', 'IBAN', 'E.164', 'SIP', 'OK', 'ID', 'URL', 'API', 'NPS', 'SLA', 'IVR']);
const hasLetter = /\p{L}/u;

export function webFiles(dir = webSrc): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'locales' || entry.name === 'api') continue;
      out.push(...webFiles(path));
    } else if (/\.(vue|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

function visible(text: string): boolean {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (!trimmed || !hasLetter.test(trimmed)) return false;
  return !allowedText.has(trimmed);
}

interface TemplateNode {
  type: number;
  tag?: string;
  content?: string;
  loc: { start: { line: number } };
  props?: { type: number; name: string; value?: { content: string } | null }[];
  children?: TemplateNode[];
}

function walkTemplate(node: TemplateNode, file: string, lineOffset: number, out: Finding[]) {
  // 1 element, 2 text
  if (node.type === 1) {
    const props = node.props ?? [];
    if (props.some((p) => p.type === 6 && p.name === 'translate' && p.value?.content === 'no')) return;
    if (node.tag === 'style' || node.tag === 'script' || node.tag === 'svg') return;
    for (const p of props) {
      if (p.type === 6 && readableAttributes.has(p.name) && p.value && visible(p.value.content)) {
        out.push({ file, line: lineOffset + node.loc.start.line - 1, text: `${p.name}="${p.value.content}"` });
      }
    }
  }
  if (node.type === 2 && node.content && visible(node.content)) {
    out.push({ file, line: lineOffset + node.loc.start.line - 1, text: node.content.replace(/\s+/g, ' ').trim() });
  }
  for (const child of node.children ?? []) walkTemplate(child, file, lineOffset, out);
}

/** Key names and the like: single capitalised words that are code, not prose. */
const codeWords = new Set(['Enter', 'Escape', 'Tab', 'Space', 'Home', 'End', 'Delete', 'Backspace', 'Shift', 'Control', 'Alt', 'Meta', 'Date', 'Number', 'String', 'Object', 'Array', 'Error', 'Switchboard', 'Stripe', 'UTC', 'Europe', 'Idempotency-Key']);
const literal = /(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g;

/** A literal that reads as words for a person: "Save changes", "Paid", "Enter a price.", `Saved ${n} rows`. */
export function isProse(text: string): boolean {
  const t = text.replace(/\$\{[^}]*\}/g, '').trim();
  if (!hasLetter.test(t) || /^(?:https?:|\/|\.|#|\[|var\(--)/.test(t) || /[{};=<>]|=>/.test(t)) return false;
  if (/^\p{Lu}\p{Ll}+$/u.test(t)) return !codeWords.has(t);
  const words = t.match(/\p{L}[\p{L}'’-]*/gu) ?? [];
  if (words.length < 2 || !/\p{L}[\p{L}'’-]*[\s\u00a0]+[^\s]/u.test(t)) return false;
  return /^[\s"'«(]*\p{Lu}/u.test(t) || /[.!?…]$/.test(t);
}

function scanScript(code: string, file: string, lineOffset: number, out: Finding[]) {
  const lines = code.split('\n');
  lines.forEach((raw, i) => {
    if (/\/\/\s*i18n-ignore\s*$/.test(raw)) return;
    const line = raw.replace(/^\s*(\/\/|\*|\/\*).*$/, '').replace(/\s\/\/\s.*$/, '');
    if (/^\s*(import|export \* from)\s|console\.|new Error\(|throw new Error|^\s*\*/.test(line)) return;
    for (const match of line.matchAll(literal)) {
      if (isProse(match[2]!)) out.push({ file, line: lineOffset + i, text: match[2]! });
    }
  });
}

export function findUntranslated(files = webFiles()): Finding[] {
  const out: Finding[] = [];
  for (const path of files) {
    const file = relative(webSrc, path);
    if (file.startsWith('i18n/')) continue;
    const source = readFileSync(path, 'utf8');
    if (path.endsWith('.vue')) {
      const { descriptor } = parse(source, { filename: path });
      if (descriptor.template?.ast) {
        for (const child of descriptor.template.ast.children as TemplateNode[]) walkTemplate(child, file, 1, out);
      }
      for (const block of [descriptor.script, descriptor.scriptSetup]) {
        if (block) scanScript(block.content, file, block.loc.start.line, out);
      }
    } else {
      scanScript(source, file, 1, out);
    }
  }
  return out;
}

export type Messages = { [key: string]: string | Messages };

export function readLocale(language: string): Messages {
  return JSON.parse(readFileSync(join(localesDir, `${language}.json`), 'utf8')) as Messages;
}

/** Every message key, dotted: `common.save`. */
export function flatten(messages: Messages, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

/** The named placeholders of a message: "Hello {name}" → ['name']; linked messages (@:key) aside. */
export function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(/\{\s*([\w]+)\s*\}/g)].map((m) => m[1]!))].sort();
}

/** Message keys written literally in the code: t('a.b'), $t("a.b"), tIn(x, 'a.b'), keypath="a.b". */
export function keysUsed(files = webFiles()): Finding[] {
  const out: Finding[] = [];
  const patterns = [/\b(?:\$t|t|te|\$te|tm|\$tm|rt|count)\(\s*(['"])([a-zA-Z][\w-]*(?:\.[\w-]+)+)\1/g, /\btIn\([^,()]*,\s*(['"])([a-zA-Z][\w-]*(?:\.[\w-]+)+)\1/g, /\bkeypath=(["'])([a-zA-Z][\w-]*(?:\.[\w-]+)+)\1/g];
  for (const path of files) {
    const file = relative(webSrc, path);
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const pattern of patterns) for (const m of line.matchAll(pattern)) out.push({ file, line: i + 1, text: m[2]! });
      });
  }
  return out;
}

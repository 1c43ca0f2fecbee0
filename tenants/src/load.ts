import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ProviderFileSchema, TenantFileSchema, type ProviderDefinition, type TenantDefinition } from './format.ts';

/** The top-level sections of a tenant file, for the hint on an unknown one: "tenant, clientUsers, operators and hours". */
const tenantSections = ((keys: string[]) => `${keys.slice(0, -1).join(', ')} and ${keys.at(-1)}`)(Object.keys(TenantFileSchema.in.shape));

/** One problem in one file, with where it is: the path inside the file and, when known, the line. */
export interface DefinitionError {
  file: string;
  /** `tenant.timeZone`, `clientUsers[1].email`; empty for the file as a whole. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class DefinitionErrors extends Error {
  constructor(readonly errors: DefinitionError[]) {
    super(errors.map(formatDefinitionError).join('\n'));
    this.name = 'DefinitionErrors';
  }
}

export interface TenantFile {
  kind: 'tenant';
  file: string;
  definition: TenantDefinition;
}
export interface ProviderFile {
  kind: 'provider';
  file: string;
  definition: ProviderDefinition;
}
export type DefinitionFile = TenantFile | ProviderFile;

export interface LoadedDefinitions {
  provider: ProviderFile | null;
  tenants: TenantFile[];
  /** When not empty, nothing may be applied. */
  errors: DefinitionError[];
}

/** `file:line:column: path: message`, the shape editors and terminals turn into links. */
export function formatDefinitionError(error: DefinitionError): string {
  const where = error.line ? `${error.file}:${error.line}:${error.column ?? 1}` : error.file;
  return `${where}: ${error.path ? `${error.path}: ` : ''}${error.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

type Path = (string | number)[];

/** The offset of what `path` names — the key of a map entry, an item of a list — or of its nearest ancestor. */
function offsetOf(doc: Document, path: Path): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const key = path[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
      if (range) return range[0];
    } else if (isSeq(parent) && typeof key === 'number') {
      const range = (parent.items[key] as { range?: [number, number, number] } | undefined)?.range;
      if (range) return range[0];
    }
  }
  return doc.contents?.range?.[0];
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

// A missing field reads better as "Required." than as zod's "expected string, received undefined".
const parseOptions = {
  error: (issue: z.core.$ZodRawIssue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'Required.' : undefined),
};

/** Parses one file's text as a tenant file (it has a `tenant:` section) or a provider file (`staff:`). */
export function parseDefinitionFile(text: string, file: string): { parsed: DefinitionFile | null; errors: DefinitionError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length) {
    return {
      parsed: null,
      errors: doc.errors.map((e) => ({ file, path: '', ...at(e.pos[0]), message: `Not valid YAML: ${e.message.split('\n')[0]}` })),
    };
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      parsed: null,
      errors: [{ file, path: '', message: 'Expected a tenant file (with a `tenant:` section) or a provider file (with a `staff:` section).' }],
    };
  }
  const isTenant = 'tenant' in data || !('staff' in data);
  const result = isTenant ? TenantFileSchema.safeParse(data, parseOptions) : ProviderFileSchema.safeParse(data, parseOptions);
  if (!result.success) {
    const errors: DefinitionError[] = [];
    for (const issue of result.error.issues) {
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const keyPath = [...path, key];
          const hint = path.length === 0 ? (isTenant ? ` (a tenant file has ${tenantSections})` : ' (a provider file has staff)') : '';
          errors.push({ file, path: formatPath(keyPath), ...at(offsetOf(doc, keyPath)), message: `Unknown field${hint}.` });
        }
      } else {
        errors.push({ file, path: formatPath(path), ...at(offsetOf(doc, path)), message: issue.message });
      }
    }
    return { parsed: null, errors };
  }
  return isTenant
    ? { parsed: { kind: 'tenant', file, definition: result.data as TenantDefinition }, errors: [] }
    : { parsed: { kind: 'provider', file, definition: result.data as ProviderDefinition }, errors: [] };
}

/** A tenant definition from YAML text, or DefinitionErrors. */
export function parseTenantYaml(text: string, file = '<tenant>'): TenantDefinition {
  const { parsed, errors } = parseDefinitionFile(text, file);
  if (errors.length) throw new DefinitionErrors(errors);
  if (parsed?.kind !== 'tenant') throw new DefinitionErrors([{ file, path: '', message: 'Expected a tenant file (with a `tenant:` section).' }]);
  return parsed.definition;
}

/** A provider (staff) definition from YAML text, or DefinitionErrors. */
export function parseProviderYaml(text: string, file = '<provider>'): ProviderDefinition {
  const { parsed, errors } = parseDefinitionFile(text, file);
  if (errors.length) throw new DefinitionErrors(errors);
  if (parsed?.kind !== 'provider') throw new DefinitionErrors([{ file, path: '', message: 'Expected a provider file (with a `staff:` section).' }]);
  return parsed.definition;
}

/**
 * Reads a definition file, or every `.yaml`/`.yml` file of a folder (not its subfolders), and checks
 * them together: one provider file at most, each slug and each client user's email in one file only.
 * Any error in any file is reported, so that nothing is applied from a half-valid set.
 */
export function loadDefinitions(target: string): LoadedDefinitions {
  const errors: DefinitionError[] = [];
  let files: string[];
  try {
    files = statSync(target).isDirectory()
      ? readdirSync(target)
          .filter((name) => /\.ya?ml$/i.test(name))
          .sort()
          .map((name) => join(target, name))
      : [target];
  } catch (error) {
    return { provider: null, tenants: [], errors: [{ file: displayName(target), path: '', message: `Cannot read: ${(error as Error).message}` }] };
  }
  if (!files.length) errors.push({ file: displayName(target), path: '', message: 'The folder holds no .yaml files.' });

  let provider: ProviderFile | null = null;
  const tenants: TenantFile[] = [];
  for (const path of files) {
    const file = displayName(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      errors.push({ file, path: '', message: `Cannot read: ${(error as Error).message}` });
      continue;
    }
    const { parsed, errors: fileErrors } = parseDefinitionFile(text, file);
    errors.push(...fileErrors);
    if (!parsed) continue;
    if (parsed.kind === 'provider') {
      if (provider) errors.push({ file, path: '', message: `Only one provider file per folder; ${provider.file} is one already.` });
      else provider = parsed;
    } else {
      tenants.push(parsed);
    }
  }

  const slugs = new Map<string, string>();
  const clientEmails = new Map<string, string>();
  for (const { file, definition } of tenants) {
    const other = slugs.get(definition.tenant.slug);
    if (other) errors.push({ file, path: 'tenant.slug', message: `${definition.tenant.slug} is already defined in ${other}.` });
    else slugs.set(definition.tenant.slug, file);
    for (const user of definition.clientUsers) {
      const owner = clientEmails.get(user.email);
      if (owner && owner !== definition.tenant.slug) {
        errors.push({ file, path: 'clientUsers', message: `${user.email} is a client user of ${owner} already; a client user belongs to one tenant.` });
      } else {
        clientEmails.set(user.email, definition.tenant.slug);
      }
    }
  }
  for (const member of provider?.definition.staff ?? []) {
    const owner = clientEmails.get(member.email);
    if (owner) errors.push({ file: provider!.file, path: 'staff', message: `${member.email} is a client user of ${owner}; staff and client users are different people.` });
  }
  return { provider, tenants, errors };
}

/** loadDefinitions, throwing DefinitionErrors when anything is wrong. */
export function loadDefinitionsOrThrow(target: string): Omit<LoadedDefinitions, 'errors'> {
  const { errors, ...loaded } = loadDefinitions(target);
  if (errors.length) throw new DefinitionErrors(errors);
  return loaded;
}

import { send } from './http.ts';
import type { App } from './harness.ts';

/** One method of one path of GET /api/openapi.json, ready to be called. */
export interface ApiOperation {
  method: string;
  /** The documented template, e.g. /api/t/{tenant}/members/{userId}. */
  path: string;
  pathParams: string[];
  /** `?name=example` for every required query parameter, or ''. */
  query: string;
  /** The example of the JSON request body's schema, if the operation takes one. */
  body: unknown;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isUnsafe = (op: { method: string }) => !safeMethods.has(op.method);

type Doc = { paths: Record<string, Record<string, any>>; components?: Record<string, Record<string, any>> };

function resolve(doc: Doc, node: any): any {
  let current = node;
  for (let depth = 0; current?.$ref && depth < 20; depth++) {
    const parts = String(current.$ref).replace(/^#\//, '').split('/');
    current = parts.reduce<any>((at, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return current;
}

/** The schema's own example; else one assembled from its properties' examples. */
function exampleOf(doc: Doc, node: any, where: string): unknown {
  const schema = resolve(doc, node);
  if (!schema) throw new Error(`${where}: unresolvable schema`);
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.properties) {
    const required = new Set<string>(schema.required ?? []);
    return Object.fromEntries(
      Object.entries(schema.properties)
        .filter(([name]) => required.has(name))
        .map(([name, property]) => [name, exampleOf(doc, property, `${where}.${name}`)]),
    );
  }
  throw new Error(`${where}: no example in the OpenAPI document; give the schema one with .openapi({ example })`);
}

/** Every documented operation, read from the app's own OpenAPI document, so new routes are covered as they come. */
export async function apiOperations(app: App): Promise<ApiOperation[]> {
  const res = await send(app, 'GET', '/api/openapi.json');
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
  const doc = res.body as Doc;
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const parameters: any[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => resolve(doc, p));
      const query = parameters
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(String(p.example ?? exampleOf(doc, p.schema, `${where} ?${p.name}`)))}`)
        .join('&');
      const media = resolve(doc, op.requestBody)?.content?.['application/json'];
      const body = media ? (media.example ?? exampleOf(doc, media.schema, `${where} body`)) : undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
        query: query ? `?${query}` : '',
        body,
      });
    }
  }
  return operations;
}

/** The operation's URL with its path parameters filled in (missing ones get `fallback`). */
export function urlFor(op: ApiOperation, values: Record<string, string>, fallback?: string): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name] ?? fallback;
    if (value === undefined) throw new Error(`No value for {${name}} in ${op.path}`);
    return encodeURIComponent(value);
  });
  return path + op.query;
}

export const describeOp = (op: ApiOperation) => `${op.method} ${op.path}`;

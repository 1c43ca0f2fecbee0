import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { scriptProblemCodes, type ScriptProblemCode } from '../scripts/validate.ts';
import { fieldCodes, problemCodes, type FieldCode, type FieldError, type ProblemCode, type ProblemParams } from './problem-codes.ts';

export { fieldError, type FieldCode, type FieldError, type ProblemCode, type ProblemParams } from './problem-codes.ts';

const ParamsSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]))
  .openapi({ description: 'The values the message names (e.g. `{ "minimum": 12, "origin": "string" }`).' });

/** RFC 9457 problem details: the one error envelope of the API. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    code: z.enum(Object.keys(problemCodes) as [ProblemCode, ...ProblemCode[]]).openapi({
      description: 'Stable code of the problem, to translate or act on (docs/errors.md lists them); `title` and `detail` are English for people.',
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    params: ParamsSchema.optional(),
    errors: z
      .array(
        z.object({
          path: z.string(),
          code: z.enum([...(Object.keys(fieldCodes) as FieldCode[]), ...scriptProblemCodes] as unknown as [FieldCode | ScriptProblemCode, ...(FieldCode | ScriptProblemCode)[]]).openapi({ description: 'Stable code of the field error (docs/errors.md).' }),
          params: ParamsSchema.optional(),
          message: z.string().openapi({ description: 'The error in English, for people.' }),
        }),
      )
      .optional(),
  })
  .openapi('Problem', {
    description:
      'A problem (RFC 9457). `code` is stable and listed in docs/errors.md; each `errors[]` entry names a field by its `path`, with a stable `code` and the `params` its message uses. `title`, `detail` and `message` are English, for people reading the API.',
  });
export type Problem = z.infer<typeof ProblemSchema>;

const typeBase = 'https://switchboard.dev/problems/';

/**
 * A field error as a throw site may still give it: without a code it answers `invalid` (read `message`).
 * A script's problems keep the codes of the script check (api/src/scripts/validate.ts
 * `scriptProblemCodes`, translated by the editor as `scripts.problems.<code>`).
 */
export type FieldErrorInput = Omit<FieldError, 'code'> & { code?: FieldCode | ScriptProblemCode };

type Hyphenated<S extends string> = S extends `${infer A}_${infer B}` ? `${A}-${Hyphenated<B>}` : S;
/** The `type` slug of a problem: its code, hyphenated (`offer_taken` → `offer-taken`), so it is registered too. */
export type ProblemSlug = Hyphenated<Exclude<ProblemCode, `${string}.${string}`>>;

export class ProblemError extends Error {
  /** The stable code (problem-codes.ts): the slug's unless a throw site names a finer one. */
  readonly code: ProblemCode;
  readonly params: ProblemParams | undefined;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: ProblemSlug,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldErrorInput[],
    readonly headers: Record<string, string> = {},
    coded: { code?: ProblemCode; params?: ProblemParams } = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
    this.code = coded.code ?? (slug.replaceAll('-', '_') as ProblemCode);
    this.params = coded.params;
  }

  toJSON(): Problem {
    return {
      type: typeBase + this.slug,
      code: this.code,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.params ? { params: this.params } : {}),
      ...(this.errors ? { errors: this.errors.map(({ path, code, params, message }) => ({ path, code: code ?? 'invalid', ...(params ? { params } : {}), message })) } : {}),
    };
  }
}

export function problemResponse(c: Context, problem: ProblemError): Response {
  return c.body(JSON.stringify(problem.toJSON()), problem.status, {
    'content-type': 'application/problem+json',
    ...problem.headers,
  });
}

export const notFound = (detail = 'There is nothing here, or you may not see it.') =>
  new ProblemError(404, 'not-found', 'Not found', detail);
export const forbidden = (detail: string) => new ProblemError(403, 'forbidden', 'Forbidden', detail);
export const unauthorized = (detail = 'Log in first.') => new ProblemError(401, 'unauthenticated', 'Not logged in', detail);
/** A 409 with its own code (problem-codes.ts) and the params its detail names. */
export const conflict = (code: ProblemCode, detail: string, params?: ProblemParams, errors?: FieldErrorInput[]) =>
  new ProblemError(409, 'conflict', 'Conflict', detail, errors, {}, { code, params });
/** A 400 naming each invalid field; a finer problem code (and its params) when the whole request is refused for one reason. */
export const invalid = (errors: FieldErrorInput[], detail = 'The request has invalid fields.', code: ProblemCode = 'invalid_input', params?: ProblemParams) =>
  new ProblemError(400, 'invalid-input', 'Invalid input', detail, errors, {}, { code, params });

/** Response entries for createRoute, so every documented route lists its problems too. */
export function problemResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid input',
    401: 'Not logged in',
    403: 'Not allowed',
    404: 'Not found (or not yours to see)',
    409: 'Conflicts with existing data',
    429: 'Too many attempts',
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s] ?? 'Problem', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );
}

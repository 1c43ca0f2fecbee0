import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';

/** RFC 9457 problem details: the one error envelope of the API. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof ProblemSchema>;

const typeBase = 'https://switchboard.dev/problems/';

export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: { path: string; message: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }

  toJSON(): Problem {
    return {
      type: typeBase + this.slug,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
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
export const conflict = (detail: string, errors?: { path: string; message: string }[]) =>
  new ProblemError(409, 'conflict', 'Conflict', detail, errors);
export const invalid = (errors: { path: string; message: string }[], detail = 'The request has invalid fields.') =>
  new ProblemError(400, 'invalid-input', 'Invalid input', detail, errors);

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

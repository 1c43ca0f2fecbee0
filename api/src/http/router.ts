import { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { invalid, type FieldErrorInput } from './problem.ts';
import { isFieldCode, type ProblemParams } from './problem-codes.ts';
import { patternCode } from './validators.ts';

const paramKeys = ['minimum', 'maximum', 'inclusive', 'origin', 'format', 'expected', 'divisor', 'keys', 'values'] as const;

/**
 * A zod issue as a coded field error: zod's own code and the facts its message says (minimum, origin,
 * format…), a refinement's code from its `params.code` (validators.ts), and `required` for a missing
 * value or an empty text.
 */
export function issueError(issue: z.core.$ZodIssue, path: string): FieldErrorInput {
  const raw = issue as unknown as Record<string, unknown>;
  const params: ProblemParams = {};
  for (const key of paramKeys) {
    const value = raw[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params[key] = value;
    else if (typeof value === 'bigint') params[key] = Number(value);
    else if (Array.isArray(value)) params[key] = value.map((v) => (typeof v === 'number' ? v : String(v)));
  }
  const message = issue.message;
  if (issue.code === 'custom') {
    const { code, ...custom } = (issue.params ?? {}) as Record<string, unknown>;
    return typeof code === 'string' && isFieldCode(code)
      ? { path, code, ...(Object.keys(custom).length ? { params: custom as ProblemParams } : {}), message }
      : { path, code: 'invalid', message };
  }
  const missing = issue.code === 'invalid_type' && / received undefined$/.test(message);
  const empty = issue.code === 'too_small' && params.origin === 'string' && params.minimum === 1;
  if (missing || empty) return { path, code: 'required', message };
  if (issue.code === 'invalid_format' && params.format === 'regex') {
    const code = patternCode(String(raw.pattern ?? ''));
    if (code) return { path, code, message };
  }
  if (!isFieldCode(issue.code)) return { path, code: 'invalid', message };
  return { path, code: issue.code, ...(Object.keys(params).length ? { params } : {}), message };
}

/** Every domain router is made here, so invalid input answers the same problem+json everywhere. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw invalid(
          result.error.issues.map((issue) =>
            issueError(issue, issue.path.map(String).join('.') || (result.target === 'json' ? '(body)' : `(${result.target})`)),
          ),
        );
      }
    },
  });
}

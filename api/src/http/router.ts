import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { invalid } from './problem.ts';

/** Every domain router is made here, so invalid input answers the same problem+json everywhere. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw invalid(
          result.error.issues.map((issue) => ({
            path: issue.path.map(String).join('.') || (result.target === 'json' ? '(body)' : `(${result.target})`),
            message: issue.message,
          })),
        );
      }
    },
  });
}

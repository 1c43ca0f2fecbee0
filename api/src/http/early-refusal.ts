import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

/** How long a refused request's unread body is read away before the connection is closed instead. */
const DRAIN_BUDGET_MS = 2_000;

/**
 * A request refused before its body was read (no session, another site, too large, no such route…)
 * leaves that body on a kept-alive connection: the server would then close the connection while the
 * client believes it open, and the client's next request fails. So the unread body is read away, up to
 * the body limit and for a short while, and the connection stays usable; a body larger than the limit
 * (or one that takes too long) gets an honest `Connection: close`, and the client opens a new one.
 */
export function keepConnectionHonest(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const request = c.req.raw;
    if (c.res.status === 413) {
      c.header('connection', 'close');
      return;
    }
    if (request.bodyUsed || !request.body) return;
    const limit = c.var.deps.config.bodyLimitBytes;
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (declared > limit || !(await drained(request.body, limit))) c.header('connection', 'close');
  };
}

/** Reads the stream to its end, discarding it: false when it holds more than `limit` bytes or is too slow. */
async function drained(body: ReadableStream<Uint8Array>, limit: number): Promise<boolean> {
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<'too slow'>((resolve) => {
    timer = setTimeout(() => resolve('too slow'), DRAIN_BUDGET_MS);
  });
  try {
    for (let read = 0; ; ) {
      const chunk = await Promise.race([reader.read(), tooSlow]);
      if (chunk === 'too slow') return false;
      if (chunk.done) return true;
      read += chunk.value.byteLength;
      if (read > limit) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}

import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';
import { ProblemError } from './problem.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses every unsafe request a browser sends from another site, JSON included (Hono's csrf()
 * only looks at form posts). Browsers send Sec-Fetch-Site and Origin; a request with neither comes
 * from a non-browser client, which cannot be tricked into sending a victim's cookie.
 */
export function originCheck(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (safeMethods.has(c.req.method)) return next();
    const fetchSite = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const allowed = new Set<string>([new URL(c.req.url).origin]);
    const publicUrl = c.var.deps.config.publicUrl;
    if (publicUrl) allowed.add(new URL(publicUrl).origin);
    const host = c.req.header('host');
    if (host) {
      allowed.add(`http://${host}`);
      allowed.add(`https://${host}`);
    }
    const crossSiteFetch = fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none';
    const foreignOrigin = origin !== undefined && !allowed.has(origin);
    if (crossSiteFetch || foreignOrigin) {
      throw new ProblemError(403, 'cross-origin-refused', 'Cross-origin request refused', 'This request came from another site and was refused.');
    }
    return next();
  };
}

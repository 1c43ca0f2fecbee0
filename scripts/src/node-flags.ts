/**
 * The Node flags `pnpm start` gives the API process (README: Memory). On a PostgreSQL server the heap is
 * kept small: `--max-semi-space-size=16` caps V8's young generation (on a large machine it takes over
 * 100 MB of an idle process) and `--max-old-space-size=512` caps the heap at about seven times what 500
 * open desks keep alive, which also makes V8 collect before its heap quadruples. With them 500 desks on
 * live events stay under 250 MB. The embedded database keeps Node's defaults: its WebAssembly memory
 * alone is 204 MB, so no heap flag brings it under the goal, and one first start with the semi-space
 * flag ended in a V8 fault freeing WebAssembly code. A flag already in NODE_OPTIONS is the operator's
 * choice and is left alone.
 */
export function startNodeFlags(env: NodeJS.ProcessEnv): string[] {
  if (!env.DATABASE_URL) return [];
  const given = env.NODE_OPTIONS ?? '';
  const flags: string[] = [];
  if (!/--max-semi-space-size\b/.test(given)) flags.push('--max-semi-space-size=16');
  if (!/--max-old-space-size\b/.test(given)) flags.push('--max-old-space-size=512');
  return flags;
}

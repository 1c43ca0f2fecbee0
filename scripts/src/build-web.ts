import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webDir = join(repoRoot, 'web');
export const webDist = join(webDir, 'dist');

/** Builds the web app once; later starts reuse web/dist (delete it, or run `pnpm build`, to rebuild). */
export function ensureWebBuilt(options: { force?: boolean } = {}): void {
  if (!options.force && existsSync(join(webDist, 'index.html'))) return;
  console.log(options.force ? 'Building the web app…' : 'Building the web app (first start only)…');
  // Vite's package exports do not include its bin, so find it beside its package.json.
  const vite = join(dirname(createRequire(join(webDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, stdio: 'inherit' });
}

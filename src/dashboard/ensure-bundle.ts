import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { bundleDir } from './static-files.ts';

// The TypeScript sources, also when this runs compiled from dist/src/ (the repo's bin).
const sourceDir = join(packageRoot, 'src', 'dashboard');
const sources = [join(sourceDir, 'web'), join(sourceDir, 'view', 'types.ts')];
const builder = join(sourceDir, 'bundle.ts');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** The built page exists and is newer than every file it is built from. */
export function webBundleIsCurrent(dir: string = bundleDir): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return sources.every((source) => !existsSync(source) || newestMtime(source) <= built);
}

/**
 * Builds the page when it is missing (a fresh clone) or stale (edited sources), so the command and
 * the e2e tests work without a separate build step. The build runs in a child process: esbuild
 * is a build tool, not something the CLI imports (the image ships the built page).
 */
export function ensureWebBundle(): void {
  if (webBundleIsCurrent()) return;
  process.stderr.write('bellwether dashboard: building the page (npm run build:web)\n');
  const result = spawnSync(process.execPath, ['--import', 'tsx', builder], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error('building the dashboard page failed: run "npm run build:web" to see why');
}

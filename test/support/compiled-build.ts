import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../tools/cluster/layout.ts';

/** What `npm run build:js` compiles (tsconfig.build.json), and the file it writes last. */
const sources = ['src', 'strategies', 'analysis', 'tsconfig.json', 'tsconfig.build.json'];
const buildInfo = join(repoRoot, 'dist', '.tsbuildinfo');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dist/ is missing or older than a source it is compiled from. */
export function compiledBuildIsStale(): boolean {
  if (!existsSync(buildInfo)) return true;
  const built = statSync(buildInfo).mtimeMs;
  return sources.some((s) => newestMtime(join(repoRoot, s)) > built);
}

/**
 * Vitest global setup: tests run the CLI and the controller as users do, through
 * bin/bellwether.js and so the compiled dist/. Recompile it (`npm run build:js`) when a source is
 * newer, so a test never runs yesterday's build of today's code.
 */
export default function setup(): void {
  if (!compiledBuildIsStale()) return;
  process.stderr.write('[build] sources changed since the last build: npm run build:js\n');
  execFileSync('npm', ['run', '--silent', 'build:js'], { cwd: repoRoot, stdio: 'inherit' });
  const now = new Date();
  utimesSync(buildInfo, now, now); // tsc leaves it alone when no output changed
}

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/** bin/bellwether.js with plain node, as the image and `npx bellwether` run it: no loader, no tsx. */
function cli(...args: string[]) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'bellwether.js'), ...args], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

// dist/ is compiled by the unit project's global setup (test/support/compiled-build.ts) with
// `npm run build:js`: these run what `npm ci` builds.
describe('the compiled CLI (npm run build, bin/bellwether.js)', () => {
  it('prints the usage with --help and exits 0', () => {
    const run = cli('--help');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^bellwether: progressive delivery for Kubernetes/);
    expect(run.stdout).toContain('controller                     run the Rollout controller');
  });

  it('reads its version from package.json at the package root', () => {
    const run = cli('version');
    expect(run.stdout).toBe(`bellwether ${pkg.version}\n`);
    expect(run.status).toBe(0);
  });

  it('loads a command module on demand: the controller usage comes from its own module', () => {
    const run = cli('controller', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^bellwether controller \[--kubeconfig PATH\]/);
  }, 60_000); // it loads the Kubernetes client: seconds on a busy machine

  it('finds the package files from dist/ (plan reads a manifest and renders its steps)', () => {
    const run = cli('plan', join(repoRoot, 'deploy', 'examples', 'canary.yaml'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('web');
  }, 60_000);

  it('exits 2 on an unknown command, naming it', () => {
    const run = cli('frobnicate');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown command "frobnicate"');
  });
});

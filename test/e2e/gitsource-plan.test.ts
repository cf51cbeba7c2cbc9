import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { LocalRepo } from '../support/git-repo.ts';
import { canaryRolloutYaml } from '../support/manifests.ts';

// The pull-request check on a real repository: `bellwether plan --base main --head feature` for a
// change that adds an analysis step to a canary, as text and as Markdown for a PR comment.

const rollout = (steps: string) => canaryRolloutYaml({ replicas: 4, namespace: 'shop', steps });

const template = `apiVersion: bellwether.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
  namespace: shop
spec:
  metrics:
    - name: success-rate
      interval: 1m
      count: 3
      successCondition: result[0] >= 0.95
      provider:
        prometheus:
          address: http://prometheus:9090
          query: vector(1)
`;

const PLAIN = '        - setWeight: 25\n        - pause: {}\n';
const GATED =
  '        - setWeight: 25\n        - analysis:\n            templates:\n              - templateName: success-rate\n        - setWeight: 50\n';

function plan(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'bellwether.js'), 'plan', ...args],
      { cwd, timeout: 120_000 },
      (err, stdout) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout });
      },
    );
  });
}

describe('bellwether plan --base --head', { timeout: 240_000 }, () => {
  const repo = new LocalRepo();
  afterAll(() => {
    repo.remove();
  });
  const policies = Object.fromEntries(
    ['canary-analysis-before-full.yaml', 'canary-max-step-weight.yaml'].map((f) => [
      `policies/${f}`,
      readFileSync(join(repoRoot, 'deploy/policies', f), 'utf8'),
    ]),
  );

  it('shows the new analysis step, its template, and that the policies now pass (exit 0)', async () => {
    repo.commit({ ...policies, 'apps/web/rollout.yaml': rollout(PLAIN) }, 'Add web');
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit({ 'apps/web/rollout.yaml': rollout(GATED), 'apps/web/analysis.yaml': template }, 'Gate web');

    const text = await plan(
      repo.dir,
      '--base',
      'main',
      '--head',
      'feature',
      '--policies',
      'policies',
      'apps/web',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('== Rollout shop/web: changed (canary)');
    expect(text.stdout).toMatch(
      /^1\s+run analysis and wait for its outcome\s+25%\s+75%\s+1\/3\s+at least 2m\s+success-rate$/m,
    );
    expect(text.stdout).toContain(
      '  step 1: success-rate: success-rate (prometheus, success: result[0] >= 0.95)',
    );
    expect(text.stdout).toContain('  passes bellwether-canary-analysis-before-full');
    expect(text.stdout).toContain('  passes bellwether-canary-max-step-weight');

    const markdown = await plan(
      repo.dir,
      '--base',
      'main',
      '--head',
      'feature',
      '--policies',
      'policies',
      '--output',
      'markdown',
      'apps/web',
    );
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('### Bellwether plan: :white_check_mark: passes');
    expect(markdown.stdout).toContain('#### Rollout `shop/web` (changed, canary)');
    expect(markdown.stdout).toContain(
      '| step 1 | `success-rate` | success-rate (prometheus, success: result[0] >= 0.95) |',
    );
    expect(markdown.stdout).toContain(':white_check_mark: passes bellwether-canary-analysis-before-full');
  });

  it('the reverse change fails the policy: exit 1, the policy named', async () => {
    const result = await plan(
      repo.dir,
      '--base',
      'feature',
      '--head',
      'main',
      '--policies',
      'policies',
      'apps/web',
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAILS bellwether-canary-analysis-before-full: canary must have an analysis before 100%',
    );
    expect(result.stdout).toMatch(
      /apps\/web\/rollout\.yaml:\d+: error: Rollout shop\/web: spec\.strategy\.canary\.steps: policy: bellwether-canary-analysis-before-full/,
    );
    // Without policies the same change is a valid plain canary.
    expect((await plan(repo.dir, '--base', 'feature', '--head', 'main', 'apps/web')).code).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../api/analysis.ts';
import { createLogger } from '../../log.ts';
import { reconcileAnalysisRun, type AnalysisRunDeps } from './reconcile-analysis-run.ts';

const run: AnalysisRun = {
  apiVersion: 'bellwether.dev/v1alpha1',
  kind: 'AnalysisRun',
  metadata: { name: 'smoke-1', namespace: 'shop', resourceVersion: '7' },
  spec: {
    args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'smoke-token', key: 'token' } } }],
    metrics: [
      {
        name: 'smoke',
        successCondition: 'result == 1',
        provider: { web: { url: 'http://checks.invalid/{{args.token}}' } },
      },
    ],
  },
} as AnalysisRun;

function deps(readSecret: AnalysisRunDeps['readSecret']) {
  const patches: object[] = [];
  const unused = () => Promise.reject(new Error('no measurement expected'));
  const d = {
    run: () => run,
    readSecret,
    patchRunStatus: (_ns: string, _name: string, _rv: string, status: object) => {
      patches.push(status);
      return Promise.resolve();
    },
    providers: { prometheus: { measure: unused }, web: { measure: unused }, comparison: { measure: unused } },
    jobs: {} as AnalysisRunDeps['jobs'],
    now: () => Date.parse('2026-11-26T12:00:00Z'),
    log: createLogger('error', {}, () => undefined),
  } as unknown as AnalysisRunDeps;
  return { d, patches };
}

// The controller has no cluster-wide access to Secrets; a namespace that has not granted it
// gets an AnalysisRun in phase Error that says what to do, not an endless retry.
describe('an AnalysisRun whose Secret the controller may not read', () => {
  it('ends in Error naming the Secret, the namespace and the Role that grants access', async () => {
    const forbidden = Object.assign(new Error('forbidden'), { code: 403, body: '{"message":"forbidden"}' });
    const { d, patches } = deps(() => Promise.reject(forbidden));
    await reconcileAnalysisRun('shop', 'smoke-1', d);
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      phase: 'Error',
      message: expect.stringMatching(
        /^cannot read Secret "smoke-token" in namespace "shop": forbidden .*deploy\/rbac\/secret-reader-role\.yaml/,
      ) as unknown,
    });
  });

  it('other failures stay errors of the reconcile, retried with backoff', async () => {
    const unavailable = Object.assign(new Error('unavailable'), { code: 503 });
    const { d, patches } = deps(() => Promise.reject(unavailable));
    await expect(reconcileAnalysisRun('shop', 'smoke-1', d)).rejects.toBe(unavailable);
    expect(patches).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../api/analysis.ts';
import { createLogger } from '../../log.ts';
import { reconcileAnalysisRun, type AnalysisRunDeps } from './reconcile-analysis-run.ts';

const base: AnalysisRun = {
  apiVersion: 'bellwether.dev/v1alpha1',
  kind: 'AnalysisRun',
  metadata: { name: 'once', namespace: 'shop', resourceVersion: '3' },
  spec: {
    ttlStrategy: { secondsAfterSuccess: 60, secondsAfterFailure: 3600 },
    metrics: [
      {
        name: 'ok',
        consecutiveErrorLimit: 4,
        successCondition: 'result == 1',
        provider: { web: { url: 'http://x' } },
      },
    ],
  },
};

function harness(run: AnalysisRun, now: number, measured = 1) {
  const patches: object[] = [];
  const deleted: string[] = [];
  const measure = () => Promise.resolve({ value: measured, display: String(measured) });
  const d = {
    run: () => run,
    readSecret: () => Promise.resolve(undefined),
    patchRunStatus: (_ns: string, _name: string, _rv: string, status: object) => {
      patches.push(status);
      return Promise.resolve();
    },
    deleteRun: (ns: string, name: string) => {
      deleted.push(`${ns}/${name}`);
      return Promise.resolve();
    },
    providers: { prometheus: { measure }, web: { measure }, comparison: { measure } },
    jobs: {} as AnalysisRunDeps['jobs'],
    now: () => now,
    log: createLogger('error', {}, () => undefined),
  } as unknown as AnalysisRunDeps;
  return { d, patches, deleted };
}

describe('AnalysisRun ttlStrategy', () => {
  const t0 = Date.parse('2026-11-26T12:00:00Z');

  it('records completedAt when the run finishes', async () => {
    const { d, patches } = harness(base, t0);
    await reconcileAnalysisRun('shop', 'once', d);
    expect(patches[0]).toMatchObject({ phase: 'Successful', completedAt: '2026-11-26T12:00:00.000Z' });
  });

  it('requeues a finished run until its time is up, then deletes it', async () => {
    const finished = {
      ...base,
      status: { phase: 'Successful', completedAt: '2026-11-26T12:00:00Z' },
    } as AnalysisRun;
    const early = harness(finished, t0 + 20_000);
    expect(await reconcileAnalysisRun('shop', 'once', early.d)).toEqual({ requeueAfterMs: 40_000 });
    expect(early.deleted).toEqual([]);
    const late = harness(finished, t0 + 60_000);
    await reconcileAnalysisRun('shop', 'once', late.d);
    expect(late.deleted).toEqual(['shop/once']);
  });

  it('keeps a failed run for secondsAfterFailure, and a run without ttlStrategy for ever', async () => {
    const failed = {
      ...base,
      status: { phase: 'Failed', completedAt: '2026-11-26T12:00:00Z' },
    } as AnalysisRun;
    expect(await reconcileAnalysisRun('shop', 'once', harness(failed, t0 + 60_000).d)).toEqual({
      requeueAfterMs: 3_540_000,
    });
    const kept = { ...failed, spec: { ...failed.spec, ttlStrategy: undefined } } as AnalysisRun;
    const h = harness(kept, t0 + 10 ** 9);
    expect(await reconcileAnalysisRun('shop', 'once', h.d)).toEqual({});
    expect(h.deleted).toEqual([]);
  });
});

import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { runTorture } from '../../tools/torture/driver.ts';

/**
 * The torture run, short: 12 Rollouts of every strategy (canary with and without a router,
 * blue-green, A/B, rolling) with analysis on the real Prometheus, some with a bad version, while
 * the controller is SIGKILLed 8 times, the kube-apiserver and Prometheus restarted once each and
 * operators promote and abort. Every count of the checker must be 0. `npm run torture` is the
 * full run (100 Rollouts, 50 kills, 2 + 1 restarts). The seed is fixed so a failure replays.
 */
describe('torture (short)', () => {
  it('12 Rollouts through 8 controller kills, an API server and a Prometheus restart: nothing repeated, skipped, duplicated or lost', async () => {
    const seed = 20261205;
    const report = await runTorture({
      seed,
      rollouts: 12,
      kills: 8,
      apiServerRestarts: 1,
      prometheusRestarts: 1,
      windowMs: 150_000,
      settleTimeoutMs: 360_000,
      scrapeIntervalMs: 1000,
      kubeconfig: inject('kubeconfig'),
      outDir: join(repoRoot, 'test-results', `torture-short-${String(seed)}`),
      log: (line) => process.stderr.write(`[torture] ${line}\n`),
    });
    process.stderr.write(`[torture] ${JSON.stringify({ ...report, details: undefined })}\n`);
    expect(report.done).toEqual({ kills: 8, apiServerRestarts: 1, prometheusRestarts: 1 });
    expect(report.details).toEqual({
      repeatedSteps: [],
      skippedSteps: [],
      duplicateAnalysisRuns: [],
      promotionsOnMissingData: [],
      lostEvents: [],
      doubledEvents: [],
      wrongFinalStates: [],
    });
    expect(report.settled).toBe(true);
  }, 1_200_000);
});

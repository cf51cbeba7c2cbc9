import { describe, expect, it } from 'vitest';
import type { RolloutEvent } from '../../strategies/types.ts';
import { failedAnalysisRun, firedTriggers } from './notification-triggers.ts';

const event = (reason: string, type: RolloutEvent['type'] = 'Normal'): RolloutEvent => ({
  type,
  reason,
  message: `${reason} happened`,
});

describe('firedTriggers', () => {
  it('maps event reasons to triggers in event order and ignores reasons without a row', () => {
    const fired = firedTriggers(
      [
        event('RolloutPromoted'),
        event('RolloutStepStarted'),
        event('RolloutStepCompleted'),
        event('RolloutCompleted'),
      ],
      {},
    );
    expect(fired.map((f) => f.trigger)).toEqual([
      'on-rollout-promoted',
      'on-rollout-step-completed',
      'on-rollout-completed',
    ]);
    expect(fired[1]?.event.reason).toBe('RolloutStepCompleted');
  });

  it('an abort by a failed analysis run fires on-analysis-run-failed before on-rollout-aborted', () => {
    const status = {
      canary: {
        currentStepAnalysisRunStatus: { name: 'web-v2-1-s1', status: 'Failed' as const, message: 'x' },
      },
    };
    expect(firedTriggers([event('RolloutAborted', 'Warning')], status).map((f) => f.trigger)).toEqual([
      'on-analysis-run-failed',
      'on-rollout-aborted',
    ]);
  });

  it('so does an abort whose message names a Failed or Error run (describeRun)', () => {
    const aborted: RolloutEvent = {
      type: 'Warning',
      reason: 'RolloutAborted',
      message:
        'Rollout aborted at Step 2/2 analysis: background analysis run web-v2-1-bg Error: metric "x" errored; going back to the stable version',
    };
    expect(firedTriggers([aborted], {}).map((f) => f.trigger)).toEqual([
      'on-analysis-run-failed',
      'on-rollout-aborted',
    ]);
  });

  it('an operator abort with a successful run fires only on-rollout-aborted', () => {
    const status = { canary: { currentStepAnalysisRunStatus: { name: 'r', status: 'Successful' as const } } };
    expect(firedTriggers([event('RolloutAborted', 'Warning')], status).map((f) => f.trigger)).toEqual([
      'on-rollout-aborted',
    ]);
  });
});

describe('failedAnalysisRun', () => {
  it('finds a Failed or Error run in any strategy section', () => {
    expect(
      failedAnalysisRun({ blueGreen: { prePromotionAnalysisRunStatus: { name: 'pre', status: 'Error' } } }),
    ).toEqual({ name: 'pre', status: 'Error' });
    expect(
      failedAnalysisRun({ abTest: { analysisRunStatus: { name: 'ab', status: 'Running' } } }),
    ).toBeUndefined();
    expect(failedAnalysisRun({ canary: { weights: { canary: 0, stable: 100 } } })).toBeUndefined();
  });
});

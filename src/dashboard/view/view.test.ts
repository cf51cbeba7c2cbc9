import { describe, expect, it } from 'vitest';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { commitUrl } from './commit-view.ts';
import { comparisonFigures, numericValue } from './measurement-value.ts';
import { rolloutRow } from './rollout-row.ts';
import { thresholdsOf } from './thresholds.ts';
import { weightAtStep, weightHistory } from './weight-history.ts';

describe('thresholdsOf', () => {
  it('reads number comparisons on either side, clause by clause', () => {
    expect(thresholdsOf('result[0] >= 0.95', 'success')).toEqual([
      { value: 0.95, op: '>=', kind: 'success' },
    ]);
    expect(thresholdsOf('0.5 < result', 'failure')).toEqual([{ value: 0.5, op: '>', kind: 'failure' }]);
    expect(thresholdsOf('result > 1 && result <= 3', 'success')).toEqual([
      { value: 1, op: '>', kind: 'success' },
      { value: 3, op: '<=', kind: 'success' },
    ]);
  });
  it('draws no line for conditions of any other shape', () => {
    expect(thresholdsOf('result.ok == true', 'success')).toEqual([]);
    expect(thresholdsOf('result > 1 || result < 0', 'success')).toEqual([]);
    expect(thresholdsOf(undefined, 'success')).toEqual([]);
  });
});

describe('measurement values', () => {
  it('turns value text into a number when it is one', () => {
    expect(numericValue('0.97')).toBe(0.97);
    expect(numericValue('[0.97]')).toBe(0.97);
    expect(numericValue('[1, 2]')).toBe(1);
    expect(numericValue('ok')).toBeNull();
    expect(numericValue('[]')).toBeNull();
    expect(numericValue(undefined)).toBeNull();
  });
  it('reads the figures of an A/B comparison back from its text', () => {
    const text = 'B better than A: 12.0% vs 10.0% (z 2.10, p-value 0.036 < alpha 0.05, 1000 vs 1000 trials)';
    expect(comparisonFigures(text)).toEqual({
      verdict: 'B better than A',
      text,
      rateB: 0.12,
      rateA: 0.1,
      z: 2.1,
      pValue: 0.036,
      alpha: 0.05,
      trialsB: 1000,
      trialsA: 1000,
    });
    expect(comparisonFigures('[0.97]')).toBeUndefined();
  });
});

describe('weight history', () => {
  const steps = [{ setWeight: 20 }, {}, { setWeight: 50 }, {}];
  const event = (reason: string, message: string, t: number): CoreV1Event => ({
    metadata: {},
    involvedObject: {},
    reason,
    message,
    lastTimestamp: new Date(t),
  });
  it('keeps the last setWeight at or before a step', () => {
    expect([0, 1, 2, 3].map((i) => weightAtStep(steps, i))).toEqual([20, 20, 50, 50]);
  });
  it('rebuilds the weight from step events, then adds what the stream saw, one point per change', () => {
    const events = [
      event('RolloutUpdated', 'new version', 1000),
      event('RolloutStepStarted', 'Step 1/4 setWeight 20 started', 2000),
      event('RolloutStepStarted', 'Step 2/4 pause 5s started', 3000),
      event('RolloutStepStarted', 'Step 3/4 setWeight 50 started (commit abc1234)', 4000),
    ];
    expect(
      weightHistory(steps, events, [
        { t: 5000, weight: 50 },
        { t: 6000, weight: 100 },
      ]),
    ).toEqual([
      { t: 1000, weight: 0 },
      { t: 2000, weight: 20 },
      { t: 4000, weight: 50 },
      { t: 6000, weight: 100 },
    ]);
  });
});

describe('commit links', () => {
  it('links the commit on hosts whose URLs are known, nothing for local paths', () => {
    expect(commitUrl('https://github.com/acme/shop.git', 'abc')).toBe(
      'https://github.com/acme/shop/commit/abc',
    );
    expect(commitUrl('git@gitlab.com:acme/shop.git', 'abc')).toBe(
      'https://gitlab.com/acme/shop/-/commit/abc',
    );
    expect(commitUrl('/srv/git/shop', 'abc')).toBeUndefined();
    expect(commitUrl(undefined, 'abc')).toBeUndefined();
  });
});

describe('rolloutRow', () => {
  it('says what the list shows: phase, step, weight, image, commit', () => {
    const rollout = {
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: 'u',
        annotations: {
          'bellwether.dev/source-revision': 'abcdef1234567',
          'bellwether.dev/source-subject': 'Bump web',
          'bellwether.dev/source-repository': 'https://github.com/acme/shop',
        },
      },
      spec: {
        selector: {},
        template: { spec: { containers: [{ name: 'app', image: 'registry/web:v2' }] } },
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      },
      status: {
        phase: 'Paused',
        currentStepIndex: 1,
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '' }],
        canary: { weights: { canary: 20, stable: 80 } },
      },
    } as unknown as RolloutObject;
    const row = rolloutRow(rollout);
    expect(row).toMatchObject({
      key: 'shop/web',
      phase: 'Paused',
      paused: true,
      strategy: 'Canary',
      step: { current: 2, total: 2, done: false },
      weight: 20,
      images: ['registry/web:v2'],
      commit: {
        sha: 'abcdef1234567',
        subject: 'Bump web',
        url: 'https://github.com/acme/shop/commit/abcdef1234567',
      },
    });
  });
});

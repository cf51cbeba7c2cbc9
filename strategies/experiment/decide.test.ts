import { describe, expect, it } from 'vitest';
import { decideExperiment, phaseEvents, type ExperimentInput } from './decide.ts';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const spec = {
  duration: '30s',
  scaleDownDelaySeconds: 10,
  templates: [{ name: 'baseline' }, { name: 'canary', replicas: 2 }],
  analyses: [{ name: 'judge' }],
};
const input = (over: Partial<ExperimentInput> = {}): ExperimentInput => ({
  spec,
  status: {},
  createdAt: T0,
  available: {},
  runs: {},
  now: T0,
  ...over,
});
const running = { phase: 'Running', availableAt: new Date(T0).toISOString() } as const;

describe('decideExperiment', () => {
  it('is Pending until every template is available, and starts no analysis before', () => {
    const decision = decideExperiment(input({ available: { baseline: 1, canary: 1 } }));
    expect(decision.replicas).toEqual({ baseline: 1, canary: 2 });
    expect(decision.analyses).toEqual([]);
    expect(decision.status.phase).toBe('Pending');
  });

  it('runs its analyses from the moment every template is available', () => {
    const decision = decideExperiment(input({ available: { baseline: 1, canary: 2 }, now: T0 + 5000 }));
    expect(decision.status).toMatchObject({
      phase: 'Running',
      availableAt: new Date(T0 + 5000).toISOString(),
    });
    expect(decision.analyses).toEqual(['judge']);
    expect(decision.requeueAfterMs).toBe(30_001);
  });

  it('keeps running for its duration even when the analysis succeeded early', () => {
    const decision = decideExperiment(
      input({ status: running, runs: { judge: { phase: 'Successful' } }, now: T0 + 10_000 }),
    );
    expect(decision.status.phase).toBe('Running');
  });

  it('is Successful once the duration has passed, then scales down after the delay', () => {
    const done = decideExperiment(
      input({ status: running, runs: { judge: { phase: 'Running' } }, now: T0 + 30_000 }),
    );
    expect(done.status).toMatchObject({ phase: 'Successful', message: 'ran for 30s' });
    expect(done.terminate).toEqual(['judge']);
    expect(done.replicas).toEqual({ baseline: 1, canary: 2 });
    const later = decideExperiment(
      input({ status: done.status, runs: { judge: { phase: 'Successful' } }, now: T0 + 40_000 }),
    );
    expect(later.replicas).toEqual({ baseline: 0, canary: 0 });
    expect(later.status).toBe(done.status);
  });

  it('fails at once when an analysis fails (Failed > Error > Inconclusive)', () => {
    const decision = decideExperiment(
      input({
        spec: { ...spec, analyses: [{ name: 'a' }, { name: 'b' }] },
        status: running,
        runs: { a: { phase: 'Inconclusive' }, b: { phase: 'Failed', message: 'score 0' } },
        now: T0 + 1000,
      }),
    );
    expect(decision.status).toMatchObject({ phase: 'Failed', message: 'analysis b Failed: score 0' });
  });

  it('without a duration, ends when the required analyses finish', () => {
    const noDuration = {
      ...spec,
      duration: undefined,
      analyses: [{ name: 'judge', requiredForCompletion: true }, { name: 'x' }],
    };
    const decision = decideExperiment(
      input({
        spec: noDuration,
        status: running,
        runs: { judge: { phase: 'Successful' }, x: { phase: 'Running' } },
      }),
    );
    expect(decision.status.phase).toBe('Successful');
    expect(decision.terminate).toEqual(['x']);
  });

  it('fails when the templates are not available within the progress deadline', () => {
    const decision = decideExperiment(
      input({ spec: { ...spec, progressDeadlineSeconds: 5 }, now: T0 + 6000 }),
    );
    expect(decision.status).toMatchObject({ phase: 'Failed', message: 'templates not available within 5s' });
  });

  it('makes one event per change of phase, a Warning for Failed and Error, none without a change', () => {
    expect(phaseEvents({}, { phase: 'Pending', message: 'waiting' })).toEqual([
      { type: 'Normal', reason: 'ExperimentPending', message: 'Experiment Pending: waiting' },
    ]);
    expect(phaseEvents({ phase: 'Running' }, { phase: 'Failed', message: 'analysis judge Failed' })).toEqual([
      {
        type: 'Warning',
        reason: 'ExperimentFailed',
        message: 'Experiment Running -> Failed: analysis judge Failed',
      },
    ]);
    expect(phaseEvents({ phase: 'Running' }, { phase: 'Error' })[0]?.type).toBe('Warning');
    expect(phaseEvents({ phase: 'Running' }, { phase: 'Running', message: 'later' })).toEqual([]);
  });
});

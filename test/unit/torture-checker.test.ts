import { describe, expect, it } from 'vitest';
import { check, type CheckInput } from '../../tools/torture/checker.ts';
import type { EventView, HistoryRecord, StatusView } from '../../tools/torture/history.ts';

// A canary of 4 steps (analysis at steps[2]) taking web from version `old` to `new`, as the
// torture driver records it: outbox Events named <rollout>.<rv>.<index>, the watched status
// history, the AnalysisRun. The clean run counts 0 everywhere; each fault is counted.
const steps = ['setWeight 50', 'pause 5s', 'analysis', 'pause (until promoted)'];

function cleanRun(): CheckInput {
  const events: EventView[] = [];
  const history: HistoryRecord[] = [];
  let rv = 100;
  const write = (status: StatusView, outbox: { reason: string; message: string }[]) => {
    const entries = outbox.map((e, i) => ({ id: `${String(rv)}.${String(i)}`, ...e }));
    history.push({
      kind: 'rollout',
      at: rv,
      type: 'MODIFIED',
      name: 'web',
      rv: String(rv),
      status: { ...status, ...(entries.length ? { outbox: entries } : {}) },
    });
    for (const e of entries)
      events.push({ name: `web.${e.id}`, rollout: 'web', type: 'Normal', count: 1, ...e });
    rv += 10;
  };
  const at = (index: number) => ({
    currentPodHash: 'new',
    stableRS: 'old',
    currentStepIndex: index,
    attempt: 1,
  });
  write({ ...at(0), phase: 'Progressing' }, [
    { reason: 'RolloutUpdated', message: 'New version new detected: starting the canary (4 steps)' },
    { reason: 'RolloutStepStarted', message: `Step 1/4 ${steps[0] ?? ''} started` },
  ]);
  for (let i = 0; i < steps.length; i++) {
    const next =
      i + 1 < steps.length
        ? [{ reason: 'RolloutStepStarted', message: `Step ${String(i + 2)}/4 ${steps[i + 1] ?? ''} started` }]
        : [];
    write({ ...at(i + 1), phase: 'Progressing' }, [
      { reason: 'RolloutStepCompleted', message: `Step ${String(i + 1)}/4 ${steps[i] ?? ''} completed` },
      ...next,
    ]);
  }
  write({ currentPodHash: 'new', stableRS: 'new', currentStepIndex: 4, attempt: 1, phase: 'Healthy' }, [
    { reason: 'RolloutCompleted', message: 'Rollout completed: new is stable with 2 replicas' },
  ]);
  history.push(run('web-new-1-s2', 'new-1-s2', '[1]'));
  return {
    expectations: [{ name: 'web', outcome: 'promoted', gate: { step: 2 }, oldHash: 'old' }],
    history,
    events,
    final: new Map([
      ['web', { currentPodHash: 'new', stableRS: 'new', currentStepIndex: 4, phase: 'Healthy' }],
    ]),
  };
}

function run(name: string, id: string, value: string): HistoryRecord {
  return {
    kind: 'run',
    at: 0,
    type: 'MODIFIED',
    name,
    rollout: 'web',
    id,
    phase: 'Successful',
    measurements: [{ phase: 'Successful', value }],
  };
}

const zero = {
  repeatedSteps: 0,
  skippedSteps: 0,
  duplicateAnalysisRuns: 0,
  promotionsOnMissingData: 0,
  lostEvents: 0,
  doubledEvents: 0,
  wrongFinalStates: 0,
};

describe('torture checker', () => {
  it('counts nothing in a clean run', () => {
    expect(check(cleanRun()).counts).toEqual(zero);
  });

  it('counts a step repeated: the status index going back for the same version', () => {
    const input = cleanRun();
    const history = [...input.history];
    const back = history.findIndex((r) => r.kind === 'rollout' && r.status.currentStepIndex === 3);
    const record = history[back];
    if (record?.kind !== 'rollout') throw new Error('fixture');
    history.splice(back + 1, 0, {
      ...record,
      rv: '999',
      status: { ...record.status, currentStepIndex: 2, outbox: [] },
    });
    expect(check({ ...input, history }).counts).toEqual({ ...zero, repeatedSteps: 1 });
  });

  it('counts a step repeated: two completion Events for one step', () => {
    const input = cleanRun();
    const events = [...input.events];
    const twice = events.find((e) => e.message.startsWith('Step 2/4') && e.reason === 'RolloutStepCompleted');
    if (!twice) throw new Error('fixture');
    events.push({ ...twice, name: 'web.175.0' });
    const { counts } = check({ ...input, events });
    expect(counts.repeatedSteps).toBe(1);
    expect(counts.doubledEvents).toBe(1);
  });

  it('counts a step skipped: no completion Event for it', () => {
    const input = cleanRun();
    const events = input.events.filter(
      (e) => !(e.message.startsWith('Step 2/4') && e.reason === 'RolloutStepCompleted'),
    );
    const history = input.history.map((r) =>
      r.kind === 'rollout'
        ? {
            ...r,
            status: {
              ...r.status,
              outbox: r.status.outbox?.filter((o) => events.some((e) => e.name === `web.${o.id}`)),
            },
          }
        : r,
    );
    expect(check({ ...input, events, history }).counts).toEqual({ ...zero, skippedSteps: 1 });
  });

  it('counts a duplicate AnalysisRun: two runs for one version and step', () => {
    const input = cleanRun();
    const history = [...input.history, run('web-new-2-s2', 'new-2-s2', '[1]')];
    expect(check({ ...input, history }).counts).toEqual({ ...zero, duplicateAnalysisRuns: 1 });
  });

  it('counts a doubled Event: one Event recorded twice', () => {
    const input = cleanRun();
    const events = input.events.map((e) => (e.reason === 'RolloutCompleted' ? { ...e, count: 2 } : e));
    expect(check({ ...input, events }).counts).toEqual({ ...zero, doubledEvents: 1 });
  });

  it('counts a lost Event: an outbox entry in status with no Event', () => {
    const input = cleanRun();
    const events = input.events.filter((e) => e.reason !== 'RolloutCompleted');
    expect(check({ ...input, events }).counts).toEqual({ ...zero, lostEvents: 1 });
  });

  it('counts a promotion on missing data: a Successful measurement without a value', () => {
    const input = cleanRun();
    const history = input.history.map((r) => (r.kind === 'run' ? run(r.name, r.id, '[]') : r));
    expect(check({ ...input, history }).counts).toEqual({ ...zero, promotionsOnMissingData: 1 });
  });

  it('counts a promotion on missing data: past the analysis step with no Successful run', () => {
    const input = cleanRun();
    const history = input.history.filter((r) => r.kind !== 'run');
    expect(check({ ...input, history }).counts).toEqual({ ...zero, promotionsOnMissingData: 1 });
  });

  it('counts a wrong final state: expected aborted, found the new version stable', () => {
    const input = cleanRun();
    const expectations = input.expectations.map((e) => ({ ...e, outcome: 'aborted' as const }));
    expect(check({ ...input, expectations }).counts).toEqual({ ...zero, wrongFinalStates: 1 });
  });
});

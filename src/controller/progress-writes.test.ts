import { describe, expect, it } from 'vitest';
import {
  onlyProgress,
  outboxClearWaitMs,
  progressWriteDelay,
  podsMovingWriteWaitMs,
  progressWriteInterval,
  progressWriteIntervalMs,
} from './progress-writes.ts';

const progressing = (reason: string, lastUpdateTime: string) => ({
  type: 'Progressing',
  status: 'True',
  reason,
  message: `ReplicaSet x ${reason}`,
  lastUpdateTime,
});
const available = { type: 'Available', status: 'True', reason: 'AvailableReason' };

describe('progress-only status changes', () => {
  it('counts, the counts in the message and a Progressing lastUpdateTime are progress', () => {
    const before = {
      message: '3/5 available',
      conditions: [progressing('ReplicaSetUpdated', 't1'), available],
    };
    const after = {
      message: '4/5 available',
      conditions: [progressing('ReplicaSetUpdated', 't2'), available],
    };
    const patch = { availableReplicas: 4, message: '4/5 available', conditions: after.conditions };
    expect(onlyProgress(before, patch, after)).toBe(true);
  });

  it('a condition changing status or reason, or any other field, is not', () => {
    const before = { conditions: [progressing('ReplicaSetUpdated', 't1'), available] };
    const done = { conditions: [progressing('NewReplicaSetAvailable', 't2'), available] };
    expect(onlyProgress(before, { conditions: done.conditions }, done)).toBe(false);
    const fewer = { conditions: [progressing('ReplicaSetUpdated', 't2')] };
    expect(onlyProgress(before, { conditions: fewer.conditions }, fewer)).toBe(false);
    for (const patch of [
      { phase: 'Paused' },
      { currentStepIndex: 2 },
      { canary: { weights: { canary: 20 } } },
    ])
      expect(onlyProgress(before, { availableReplicas: 3, ...patch }, before)).toBe(false);
  });

  it('a message that says something new (why a Rollout waits) is not', () => {
    // a member's first held reconcile can come before its group's decision; the reason that
    // follows must be written at once (held back 10 s, it once outlived the earlier stage's canary)
    const before = {
      message: 'Waiting: RolloutGroup release: the group has not decided on its new version yet',
    };
    for (const reason of [
      'waiting for stage backend',
      'stage backend aborted (backend): the stages after it wait',
    ]) {
      const after = { message: `Waiting: RolloutGroup release: ${reason}` };
      expect(onlyProgress(before, { message: after.message }, after)).toBe(false);
    }
  });

  it('leaving delivered outbox entries out is progress; adding one is not', () => {
    const before = { outbox: [{ id: '7.0' }, { id: '7.1' }] };
    expect(onlyProgress(before, { outbox: null }, {})).toBe(true);
    expect(onlyProgress(before, { outbox: [{ id: '7.1' }] }, { outbox: [{ id: '7.1' }] })).toBe(true);
    const added = { outbox: [{ id: '7.1' }, { id: '9.0' }] };
    expect(onlyProgress(before, { outbox: added.outbox }, added)).toBe(false);
  });

  it('waits at most the interval from the first unwritten change', () => {
    const pending = new Map<string, number>();
    expect(progressWriteDelay(pending, 'a/r', 1000)).toBe(progressWriteIntervalMs);
    expect(progressWriteDelay(pending, 'a/r', 4000)).toBe(progressWriteIntervalMs - 3000);
    expect(progressWriteDelay(pending, 'a/r', 1000 + progressWriteIntervalMs)).toBe(0);
    pending.delete('a/r'); // written
    expect(progressWriteDelay(pending, 'a/r', 20_000)).toBe(progressWriteIntervalMs);
  });

  it('holds pod counts longer while pods move (their move ends in a write), not once they settled', () => {
    const counts = { availableReplicas: 4, readyReplicas: 4 };
    expect(progressWriteInterval(counts, undefined, [{ desired: 5, replicas: 5, available: 4 }])).toBe(
      podsMovingWriteWaitMs,
    );
    expect(progressWriteInterval(counts, undefined, [{ desired: 2, replicas: 4, available: 4 }])).toBe(
      podsMovingWriteWaitMs,
    );
    expect(progressWriteInterval(counts, 30_000, [{ desired: 5, replicas: 5, available: 5 }])).toBe(
      progressWriteIntervalMs,
    );
    // a change first held while pods moved goes out at once when they settle past the interval
    const pending = new Map<string, number>();
    expect(progressWriteDelay(pending, 'a/r', 0, podsMovingWriteWaitMs)).toBe(podsMovingWriteWaitMs);
    expect(progressWriteDelay(pending, 'a/r', 12_000, progressWriteIntervalMs)).toBe(0);
  });

  it('lets a clear of delivered entries alone wait for the next write when one is sure to come', () => {
    const settled = [{ desired: 5, replicas: 5, available: 5 }];
    const clear = { outbox: null };
    // nothing coming: the clear is a write of its own within the interval
    expect(progressWriteInterval(clear, undefined, settled)).toBe(progressWriteIntervalMs);
    expect(progressWriteInterval(clear, outboxClearWaitMs + 1, settled)).toBe(progressWriteIntervalMs);
    // a scale-down deadline or a pause's end within the wait, or pods still moving
    expect(progressWriteInterval(clear, 30_000, settled)).toBe(outboxClearWaitMs);
    const starting = [{ desired: 5, replicas: 5, available: 3 }];
    const going = [{ desired: 0, replicas: 2, available: 2 }];
    expect(progressWriteInterval(clear, undefined, starting)).toBe(outboxClearWaitMs);
    expect(progressWriteInterval(clear, undefined, going)).toBe(outboxClearWaitMs);
    // pod counts are not held as long as a clear, with or without one
    expect(progressWriteInterval({ availableReplicas: 4, outbox: null }, 30_000, starting)).toBe(
      podsMovingWriteWaitMs,
    );
    const pending = new Map<string, number>();
    expect(progressWriteDelay(pending, 'a/r', 0, outboxClearWaitMs)).toBe(outboxClearWaitMs);
    expect(progressWriteDelay(pending, 'a/r', 11_000)).toBe(0);
  });
});

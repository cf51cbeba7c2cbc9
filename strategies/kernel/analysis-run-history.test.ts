import { describe, expect, it } from 'vitest';
import { runsBeyondHistory, type RunHistoryEntry } from './analysis-run-history.ts';

const run = (
  name: string,
  phase: RunHistoryEntry['phase'],
  createdMs: number,
  requested = false,
): RunHistoryEntry => ({
  name,
  phase,
  createdMs,
  requested,
});

describe('runsBeyondHistory', () => {
  const runs = [
    run('s1', 'Successful', 1),
    run('s2', 'Successful', 2),
    run('s3', 'Successful', 3),
    run('f1', 'Failed', 4),
    run('e1', 'Error', 5),
    run('i1', 'Inconclusive', 6),
    run('r1', 'Running', 0),
    run('s0', 'Successful', 0, true),
  ];

  it('keeps 5 of each kind by default (Argo Rollouts)', () => {
    expect(runsBeyondHistory(runs, undefined)).toEqual([]);
  });

  it('keeps the newest successful and unsuccessful runs up to each limit', () => {
    expect(runsBeyondHistory(runs, { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 2 })).toEqual(
      ['s2', 's1', 'f1'],
    );
  });

  it('0 deletes every finished run that is no longer requested, never a running or requested one', () => {
    const deleted = runsBeyondHistory(runs, { successfulRunHistoryLimit: 0, unsuccessfulRunHistoryLimit: 0 });
    expect(deleted.sort()).toEqual(['e1', 'f1', 'i1', 's1', 's2', 's3']);
  });
});

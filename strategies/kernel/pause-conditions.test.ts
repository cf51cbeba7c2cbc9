import { describe, expect, it } from 'vitest';
import { withOwnPauses } from './pause-conditions.ts';

const T = Date.parse('2024-01-01T00:00:00Z');

describe('withOwnPauses', () => {
  it("replaces the strategy's own pauses, keeps the others and a start time's spelling", () => {
    const previous = [
      { reason: 'Other', startTime: '2023-12-31T00:00:00Z' },
      { reason: 'BlueGreenPause', startTime: '2024-01-01T00:00:00Z' },
    ];
    expect(
      withOwnPauses(previous, [
        ['BlueGreenPause', T],
        ['InconclusiveAnalysisRun', T + 1000],
      ]),
    ).toEqual([
      { reason: 'Other', startTime: '2023-12-31T00:00:00Z' },
      { reason: 'BlueGreenPause', startTime: '2024-01-01T00:00:00Z' },
      { reason: 'InconclusiveAnalysisRun', startTime: '2024-01-01T00:00:01.000Z' },
    ]);
  });

  it('removes a pause that ended, and is absent when none is left', () => {
    const previous = [{ reason: 'BlueGreenPause', startTime: '2024-01-01T00:00:00Z' }];
    expect(withOwnPauses(previous, [['BlueGreenPause', undefined]])).toBeUndefined();
    expect(withOwnPauses(undefined, [['BlueGreenPause', undefined]])).toBeUndefined();
  });
});

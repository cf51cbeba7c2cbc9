import { describe, expect, it } from 'vitest';
import { describeJudgement, hodgesLehmannShift, judgeCanary, type JudgeSettings } from './canary-judge.ts';

const settings: JudgeSettings = {
  alpha: 0.05,
  tolerance: 0.1,
  minSamples: 5,
  passScore: 95,
  marginalScore: 75,
};
const around = (centre: number, n = 30) => Array.from({ length: n }, (_, i) => centre + ((i * 7) % 11) / 10);

describe('judgeCanary', () => {
  it('passes a canary whose samples equal the baseline', () => {
    const result = judgeCanary(
      [{ name: 'latency', failOn: 'increase', baseline: around(20), canary: around(20) }],
      settings,
    );
    expect(result).toMatchObject({ score: 100, verdict: 'pass' });
    expect(result.metrics[0]).toMatchObject({ classification: 'Pass', pass: true, shift: 0 });
  });

  it('fails a canary whose latency is shifted up (High), and says so', () => {
    const result = judgeCanary(
      [{ name: 'latency', failOn: 'increase', baseline: around(20), canary: around(40) }],
      settings,
    );
    expect(result).toMatchObject({ score: 0, verdict: 'fail' });
    expect(result.metrics[0]).toMatchObject({ classification: 'High', pass: false, shift: 20 });
    expect(result.metrics[0]?.pValue).toBeLessThan(1e-6);
    expect(describeJudgement(result)).toMatch(/^score 0 \(fail\): latency High p=/);
  });

  it('lets a metric move in the direction failOn allows', () => {
    const down = { baseline: around(20), canary: around(10) };
    const judged = (failOn: 'increase' | 'decrease' | 'either') =>
      judgeCanary([{ name: 'latency', failOn, ...down }], settings).metrics[0];
    expect(judged('increase')).toMatchObject({ classification: 'Low', pass: true });
    expect(judged('decrease')).toMatchObject({ classification: 'Low', pass: false });
    expect(judged('either')).toMatchObject({ classification: 'Low', pass: false });
  });

  it('treats a significant shift within the tolerance as a pass', () => {
    const canary = around(20).map((v) => v + 1); // 5% higher: significant, within 10%
    const metric = judgeCanary(
      [{ name: 'latency', failOn: 'increase', baseline: around(20), canary }],
      settings,
    ).metrics[0];
    expect(metric?.pValue).toBeLessThan(0.05);
    expect(metric).toMatchObject({ classification: 'Pass', pass: true });
  });

  it('scores by the share of passing metrics against the pass and marginal thresholds', () => {
    const ok = { failOn: 'increase' as const, baseline: around(20), canary: around(20) };
    const bad = { failOn: 'increase' as const, baseline: around(20), canary: around(40) };
    const four = (failing: number) =>
      judgeCanary(
        [0, 1, 2, 3].map((i) => ({ name: `m${i}`, ...(i < failing ? bad : ok) })),
        settings,
      );
    expect(four(0)).toMatchObject({ score: 100, verdict: 'pass' });
    expect(four(1)).toMatchObject({ score: 75, verdict: 'marginal' });
    expect(four(2)).toMatchObject({ score: 50, verdict: 'fail' });
  });

  it('never passes a metric without enough samples (NoData)', () => {
    const result = judgeCanary(
      [{ name: 'latency', failOn: 'increase', baseline: around(20, 4), canary: around(20) }],
      settings,
    );
    expect(result).toMatchObject({ score: 0, verdict: 'fail' });
    expect(result.metrics[0]).toMatchObject({ classification: 'NoData', pass: false, baselineCount: 4 });
  });

  it('computes the Hodges-Lehmann shift as the median of pairwise differences', () => {
    // differences of [3, 5] - [1, 2]: 2, 1, 4, 3 -> median 2.5
    expect(hodgesLehmannShift([3, 5], [1, 2])).toBe(2.5);
  });
});

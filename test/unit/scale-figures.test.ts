import { describe, expect, it } from 'vitest';
import {
  countDelta,
  histogramBuckets,
  histogramQuantile,
  podWaitMs,
  quantile,
  requestCounts,
  slopePerMinute,
  writesIn,
  writesByStep,
} from '../../tools/bench/scale-figures.ts';

const scrape = (n: number) => `# HELP bellwether_kubernetes_requests_sent_total x
# TYPE bellwether_kubernetes_requests_sent_total counter
bellwether_kubernetes_requests_sent_total{verb="patch",resource="rollouts/status"} ${3 * n}
bellwether_kubernetes_requests_sent_total{verb="list",resource="rollouts"} 1
bellwether_kubernetes_requests_sent_total{verb="watch",resource=""} 6
bellwether_kubernetes_requests_sent_total{verb="update",resource="leases"} ${n}
bellwether_event_to_write_seconds_bucket{le="0.1"} ${n}
bellwether_event_to_write_seconds_bucket{le="1"} ${2 * n}
bellwether_event_to_write_seconds_bucket{le="+Inf"} ${2 * n}
`;

describe('bench:scale figures', () => {
  it('counts requests by verb and resource, and writes between two scrapes', () => {
    const delta = countDelta(requestCounts(scrape(1)), requestCounts(scrape(5)));
    expect(delta).toEqual({ 'patch rollouts/status': 12, 'update leases': 4 });
    expect(writesIn(delta)).toBe(16);
    expect(writesIn(delta, ['leases'])).toBe(12);
    expect(requestCounts(scrape(1))['watch (watch)']).toBe(6);
  });

  it('interpolates histogram quantiles between scrapes like histogram_quantile', () => {
    const before = histogramBuckets(scrape(0), 'bellwether_event_to_write_seconds');
    const after = histogramBuckets(scrape(10), 'bellwether_event_to_write_seconds');
    // 10 observations at or below 0.1 s, 10 more in (0.1, 1]
    expect(histogramQuantile(0.5, before, after)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.75, before, after)).toBeCloseTo(0.55);
    expect(histogramQuantile(0.25, before, after)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.5, after, after)).toBeUndefined();
  });

  it('fits the soak slope per minute', () => {
    const samples = [0, 1, 2, 3].map((i) => ({ t: i * 30_000, value: 100 + i }));
    expect(slopePerMinute(samples)).toBeCloseTo(2);
    expect(slopePerMinute([{ t: 0, value: 1 }])).toBe(0);
  });

  it('takes the nearest-rank quantile', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 0.99)).toBe(5);
    expect(quantile([], 0.5)).toBeUndefined();
  });

  it('sums the time any ReplicaSet waited for pods, overlaps counted once', () => {
    const canary = [
      { t: 0, settled: true },
      { t: 10, settled: false }, // scaled up at 10
      { t: 14, settled: true }, // pods available at 14
      { t: 20, settled: false },
      { t: 25, settled: true },
    ];
    const stable = [
      { t: 0, settled: true },
      { t: 12, settled: false }, // scaled down at 12, pods gone at 16
      { t: 16, settled: true },
    ];
    expect(podWaitMs([canary, stable], 0, 30)).toBe(6 + 5);
    expect(podWaitMs([canary], 11, 22)).toBe(3 + 2);
    // a state still unsettled at the end counts up to `to`
    expect(podWaitMs([[{ t: 5, settled: false }]], 0, 8)).toBe(3);
  });

  it('gives each write the canary step it carried out', () => {
    const steps = [20, undefined, 60, undefined];
    const byStep = writesByStep(
      [
        { kind: 'replicaset', version: 'old', replicas: 4, created: false },
        { kind: 'replicaset', version: 'new', replicas: 1, created: true },
        { kind: 'status', step: 0 },
        { kind: 'status', step: 1 },
        { kind: 'replicaset', version: 'old', replicas: 3, created: false }, // on the way to step 2
        { kind: 'replicaset', version: 'old', replicas: 2, created: false },
        { kind: 'replicaset', version: 'new', replicas: 3, created: false },
        { kind: 'status', step: 2 },
        { kind: 'replicaset', version: 'new', replicas: 2, created: false }, // a size no step asks for
        { kind: 'status', step: 3 },
        { kind: 'replicaset', version: 'old', replicas: 1, created: false }, // on the way to the end
        { kind: 'replicaset', version: 'new', replicas: 5, created: false },
        { kind: 'status', step: 4 },
        { kind: 'replicaset', version: 'old', replicas: 0, created: false },
        { kind: 'status', step: 4 },
      ],
      steps,
      5,
    );
    expect(Object.fromEntries(byStep)).toEqual({ 0: 3, 1: 1, 2: 5, 3: 1, 4: 5 });
  });
});

/**
 * Pure arithmetic of `npm run bench:scale`: Prometheus text parsing, histogram quantiles, the RSS
 * slope of the soak and the time a Rollout spent waiting on its pods. No I/O, time is an input.
 */

/** Samples of one metric from Prometheus text exposition: labels (as given) -> value. */
export function metricSamples(
  text: string,
  name: string,
): { labels: Record<string, string>; value: number }[] {
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] ?? ''] = pair[2] ?? '';
    samples.push({ labels, value: Number(match[4]) });
  }
  return samples;
}

/** Requests by "verb resource", from bellwether_kubernetes_requests_sent_total. */
export function requestCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { labels, value } of metricSamples(text, 'bellwether_kubernetes_requests_sent_total')) {
    const key = `${labels.verb ?? ''} ${labels.resource || '(watch)'}`.trim();
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

/** after - before, per key (keys with no change left out). */
export function countDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}

export const writeVerbs = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Writes in a count map ("verb resource" keys), optionally leaving some resources out. */
export function writesIn(counts: Record<string, number>, except: string[] = []): number {
  return Object.entries(counts)
    .filter(([key]) => {
      const [verb = '', resource = ''] = key.split(' ');
      return writeVerbs.has(verb) && !except.includes(resource);
    })
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Cumulative histogram buckets (le -> count) of one histogram metric. */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const { labels, value } of metricSamples(text, `${name}_bucket`)) {
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + value);
  }
  return buckets;
}

/**
 * The q-quantile of the observations between two scrapes of a cumulative histogram, interpolated
 * linearly inside the bucket as Prometheus' histogram_quantile does. undefined without observations.
 */
export function histogramQuantile(
  q: number,
  before: Map<number, number>,
  after: Map<number, number>,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    const count = counts[i] ?? 0;
    if (count >= rank) {
      const upper = bounds[i] ?? Infinity;
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      // Above the last finite bucket nothing better than its bound is known.
      if (upper === Infinity) return lower;
      const below = i === 0 ? 0 : (counts[i - 1] ?? 0);
      return lower + ((upper - lower) * (rank - below)) / Math.max(count - below, 1e-12);
    }
  }
  return bounds.at(-2);
}

/** Least-squares slope of (t ms, value) samples, per minute. */
export function slopePerMinute(samples: { t: number; value: number }[]): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const meanT = samples.reduce((s, p) => s + p.t, 0) / n;
  const meanV = samples.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.t - meanT) * (p.value - meanV);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

/** The nearest-rank q-quantile of plain numbers. */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * How long, within [from, to], a Rollout waited on the plane: the union of the intervals in which
 * one of its ReplicaSets did not have its pods (spec.replicas created and available). Each
 * ReplicaSet is given as its observed states in time order; a state holds until the next one.
 */
export function podWaitMs(
  replicaSets: { t: number; settled: boolean }[][],
  from: number,
  to: number,
): number {
  const intervals: [number, number][] = [];
  for (const states of replicaSets) {
    for (let i = 0; i < states.length; i++) {
      const state = states[i];
      if (!state || state.settled) continue;
      const start = Math.max(state.t, from);
      const end = Math.min(states[i + 1]?.t ?? to, to);
      if (end > start) intervals.push([start, end]);
    }
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current: [number, number] | undefined;
  for (const interval of intervals) {
    if (current && interval[0] <= current[1]) current[1] = Math.max(current[1], interval[1]);
    else {
      if (current) total += current[1] - current[0];
      current = [...interval];
    }
  }
  if (current) total += current[1] - current[0];
  return total;
}

/** One write the bench saw a Rollout's controller make (from its watches). */
export type ObservedWrite =
  | { kind: 'status'; step: number }
  | { kind: 'replicaset'; version: 'new' | 'old'; replicas: number; created: boolean };

/**
 * Which step of the canary each write carried out. A status write belongs to the step its
 * status names (currentStepIndex after the write). A ReplicaSet write is recognised by the size
 * it set: a setWeight step w of `replicas` asks for ceil(w * replicas / 100) new pods and the rest
 * old ones; the end asks for all new and no old. A ReplicaSet write of any other size (a move in
 * between that maxSurge/maxUnavailable forced) belongs to the step it moves toward: the first
 * setWeight step at or after the step the Rollout was at, or the end (its ReplicaSet writes come
 * before the status write that names the step, so the Rollout is still at the pause before it).
 * `steps[i]` is the setWeight of step i, undefined for a pause.
 */
export function writesByStep(
  writes: readonly ObservedWrite[],
  steps: readonly (number | undefined)[],
  replicas: number,
): Map<number, number> {
  const sizes = new Map<string, number>();
  steps.forEach((weight, index) => {
    if (weight === undefined) return;
    const canary = Math.ceil((weight * replicas) / 100);
    sizes.set(`new ${canary}`, index);
    sizes.set(`old ${replicas - canary}`, index);
  });
  sizes.set(`new ${replicas}`, steps.length);
  sizes.set(`old 0`, steps.length);
  const towards = (at: number) => {
    const next = steps.findIndex((weight, index) => index >= at && weight !== undefined);
    return next === -1 ? steps.length : next;
  };
  const byStep = new Map<number, number>();
  let current = 0;
  for (const write of writes) {
    const step =
      write.kind === 'status'
        ? (current = write.step)
        : (sizes.get(`${write.version} ${write.replicas}`) ?? towards(current));
    byStep.set(step, (byStep.get(step) ?? 0) + 1);
  }
  return byStep;
}

import type { CoreV1Event } from '@kubernetes/client-node';
import type { WeightPoint } from './types.ts';

/** The traffic weight a canary has at step `index`: the last setWeight at or before it (Argo's rule). */
export function weightAtStep(steps: readonly { setWeight?: number }[], index: number): number {
  let weight = 0;
  for (let i = 0; i <= index && i < steps.length; i++) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) weight = w;
  }
  return weight;
}

export function eventTime(event: CoreV1Event): number {
  const time =
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return time ? new Date(time).getTime() : 0;
}

/**
 * The new version's traffic weight over time, rebuilt from what the cluster keeps: the Rollout's
 * Events (a new version starts at 0, each started step sets its weight, completion is 100, an
 * abort 0, a router's weight update names the new weight) up to when this stream started, then
 * the samples it saw itself (Event times have whole seconds only: an event in the second before
 * the first sample is left to the sample). Points are in time order, one per change. Pure.
 */
export function weightHistory(
  steps: readonly { setWeight?: number }[],
  events: readonly CoreV1Event[],
  samples: readonly WeightPoint[],
): WeightPoint[] {
  const points: WeightPoint[] = [];
  const streamStart = samples[0]?.t ?? Infinity;
  for (const event of events) {
    const t = eventTime(event);
    if (t + 1000 > streamStart) continue;
    const message = event.message ?? '';
    let weight: number | undefined;
    // the first version is stable at once; each later one starts at 0
    if (event.reason === 'RolloutUpdated') weight = message.startsWith('Initial version') ? 100 : 0;
    else if (event.reason === 'RolloutStepStarted') {
      const index = /^Step (\d+)\//.exec(message)?.[1];
      if (index !== undefined) weight = weightAtStep(steps, Number(index) - 1);
    } else if (event.reason === 'TrafficWeightUpdated') {
      const to = / to (\d+(?:\.\d+)?)/.exec(message)?.[1];
      if (to !== undefined) weight = Number(to);
    } else if (event.reason === 'RolloutCompleted') weight = 100;
    else if (event.reason === 'RolloutAborted') weight = 0;
    if (weight !== undefined) points.push({ t, weight });
  }
  points.push(...samples);
  points.sort((a, b) => a.t - b.t);
  return points.filter((p, i) => i === 0 || points[i - 1]?.weight !== p.weight);
}

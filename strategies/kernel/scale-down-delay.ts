/**
 * Delayed scale-down of ReplicaSets leaving service (the previous stable after a promotion, an
 * aborted canary), through the scale-down-deadline annotation the shell keeps on each RS: the
 * deadline is written once, the pods stay until it passes, then the RS goes to zero. Time is
 * data: the deadline lives on the object and `now` is an input. Pure.
 */
import type { ReplicaSetView } from '../types.ts';

export interface DelayedScaleDown {
  /** The RS's target: its current size until the deadline, then 0. */
  target: number;
  /** Deadline to write (epoch ms); undefined = leave the annotation alone. */
  setDeadline?: number;
  /** When the deadline is pending: the time to reconcile again. */
  pendingUntil?: number;
}

export function delayedScaleDown(view: ReplicaSetView, delayMs: number, now: number): DelayedScaleDown {
  if (view.specReplicas === 0 || delayMs === 0) return { target: 0 };
  if (view.scaleDownDeadline === undefined) {
    return { target: view.specReplicas, setDeadline: now + delayMs, pendingUntil: now + delayMs };
  }
  if (now >= view.scaleDownDeadline) return { target: 0 };
  return { target: view.specReplicas, pendingUntil: view.scaleDownDeadline };
}

/**
 * scaleDownDelayRevisionLimit (Argo Rollouts): at most `limit` ReplicaSets wait out a scale-down
 * delay at once, the newest revisions first; older ones waiting (or about to) go to zero now.
 * Returns the hashes to scale down without waiting; none when `limit` is undefined.
 */
export function beyondRevisionLimit(
  views: readonly ReplicaSetView[],
  delayed: ReadonlyMap<string, number>,
  limit: number | undefined,
): ReadonlySet<string> {
  if (limit === undefined) return new Set();
  const waiting = views
    .filter((view) => view.specReplicas > 0 && (delayed.get(view.hash) ?? 0) > 0)
    .sort((a, b) => b.revision - a.revision);
  return new Set(waiting.slice(limit).map((view) => view.hash));
}

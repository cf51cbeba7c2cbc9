/**
 * Delayed scale-down of ReplicaSets leaving service (the previous stable after a promotion, an
 * aborted canary), through the scale-down-deadline annotation the shell keeps on each RS: the
 * deadline is written once, the pods stay until it passes, then the RS goes to zero. Time is
 * data: the deadline lives on the object and `now` is an input. Pure.
 */
import type { ReplicaSetView } from './types.ts';

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

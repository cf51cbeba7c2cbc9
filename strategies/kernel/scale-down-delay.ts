/**
 * Delayed scale-down of ReplicaSets leaving service (the previous stable after a promotion, an
 * aborted canary), through the scale-down-deadline annotation the shell keeps on each RS: the
 * deadline is written once, the pods stay until it passes, then the RS goes to zero. Time is
 * data: the deadline lives on the object and `now` is an input. With it, the scaling decision
 * every strategy returns (`scaledWithDelays`, `heldWhereTheyAre`). Pure.
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

/** What a strategy's scaling decides, and when it must look again. */
export interface ScalingDecision {
  replicaSets: Record<string, number>;
  scaleDownDeadlines: Record<string, number | null>;
  /** Earliest pending scale-down deadline, if any. */
  nextDeadline?: number;
}

/** spec.paused: every ReplicaSet stays where it is, and no deadline moves. */
export function heldWhereTheyAre(views: readonly ReplicaSetView[]): ScalingDecision {
  return {
    replicaSets: Object.fromEntries(views.map((view) => [view.hash, view.specReplicas])),
    scaleDownDeadlines: {},
  };
}

/** Every ReplicaSet at its target (0 when it has none). */
const atTargets =
  (views: readonly ReplicaSetView[]) =>
  (targets: Readonly<Record<string, number>>): Record<string, number> =>
    Object.fromEntries(views.map((view) => [view.hash, targets[view.hash] ?? 0]));

/**
 * The scaling of `views` to `targets` (hash -> size) with the scale-down delays applied: each
 * `delayed` ReplicaSet (hash -> delay ms) keeps its size until its deadline, then goes to zero (at
 * once beyond `revisionLimit`). `plan` turns the targets into the sizes to set (by default, the
 * targets themselves). A deadline annotation is cleared once it has done its job (the RS is going
 * to zero) or when the RS is back in service: a stale deadline must not scale it down later.
 */
export function scaledWithDelays(
  views: readonly ReplicaSetView[],
  now: number,
  wanted: { targets: Record<string, number>; delayed: ReadonlyMap<string, number> },
  revisionLimit: number | undefined,
  plan: (targets: Record<string, number>) => Record<string, number> = atTargets(views),
): ScalingDecision {
  const { targets, delayed } = wanted;
  const scaleDownDeadlines: Record<string, number | null> = {};
  let nextDeadline: number | undefined;
  const overLimit = beyondRevisionLimit(views, delayed, revisionLimit);
  for (const view of views) {
    const delayMs = delayed.get(view.hash);
    if (delayMs === undefined) continue;
    const leaving = delayedScaleDown(view, overLimit.has(view.hash) ? 0 : delayMs, now);
    targets[view.hash] = leaving.target;
    if (leaving.setDeadline !== undefined) scaleDownDeadlines[view.hash] = leaving.setDeadline;
    if (leaving.pendingUntil !== undefined)
      nextDeadline = Math.min(nextDeadline ?? leaving.pendingUntil, leaving.pendingUntil);
  }
  const replicaSets = plan(targets);
  for (const view of views) {
    if (view.scaleDownDeadline === undefined || view.hash in scaleDownDeadlines) continue;
    const stillDelayed = delayed.has(view.hash) && (replicaSets[view.hash] ?? 0) > 0;
    if (!stillDelayed) scaleDownDeadlines[view.hash] = null;
  }
  return nextDeadline === undefined
    ? { replicaSets, scaleDownDeadlines }
    : { replicaSets, scaleDownDeadlines, nextDeadline };
}

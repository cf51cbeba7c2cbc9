/**
 * Status writes that only report pods coming and going (replica counts, the counts in the message,
 * the Progressing condition's lastUpdateTime) are coalesced: such a change waits up to
 * `progressWriteIntervalMs` (`podsMovingWriteWaitMs` while pods still move), and whatever the
 * Rollout does next (a step completing, a pause starting) writes it along. Without this a canary
 * step writes status once per pod that becomes ready or goes away: two thirds of all writes of an
 * update, measured by `npm run bench:scale`.
 *
 * Clearing delivered entries from status.outbox (event-outbox.ts) waits the same way: the next
 * transition's write leaves them out anyway, so a canary clears them for free and a settled
 * Rollout with one write at most 10 s after its last Event.
 *
 * Nothing that decides the rollout waits: phase, step, pause, weights, hashes, abort and every
 * condition's status and reason are written at once. The progress deadline is unaffected: the
 * strategy compares the observed counts with the counts in status, so while a count change waits
 * it keeps seeing progress. Pending changes are in memory only; a restarted controller writes them
 * on its first reconcile.
 */
export const progressWriteIntervalMs = 10_000;

/**
 * A progress-only change waits this long instead while pods are still coming or going: the end
 * of the move is a write of its own (the step completes, the scale-down ends, the Rollout turns
 * Healthy) and carries the counts. A step's pods take as long as the cluster needs to start them,
 * so any shorter wait costs a fourth write per setWeight step whenever they are slower than it
 * (bench:scale at N=1,000: with 10 s, 3.63 and 4 writes per setWeight step; with 30 s, 3 when
 * pods took under 30 s and 3.22 and 3.93 when they took 30-70 s). The counts in status then lag
 * the pods by up to 2 minutes while they move, and the progress deadline starts counting at most
 * that much later; each ReplicaSet's own counts (the CLI's and the dashboard's ReplicaSet rows)
 * are live, and an HPA reads spec.replicas through the scale subresource, not these counts.
 */
export const podsMovingWriteWaitMs = 120_000;

/**
 * A status change that only clears delivered outbox entries waits up to this long while another
 * status write is sure to come: a timed transition within it (a pause's end, a scale-down
 * deadline, the progress deadline) or pods still coming or going (their counts are written once
 * they move). The clear then leaves with that write: at the end of a canary the Healthy write and
 * the final replica counts carry the clears that were writes of their own. Pods can take minutes
 * under load (bench:scale at N=1,000: 2-3 min a step, so a 120 s wait still cost 3 clears per
 * update); the default progress deadline (600 s) bounds how long a move can take before the
 * Rollout's status changes anyway. Exactly-once is unchanged: until the clear is written, a
 * restarted controller delivers the entries again and their Event creates are 409s.
 */
export const outboxClearWaitMs = 600_000;

const progressFields = new Set(['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']);

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

/** True when the merge patch from `before` to `after` changes only how far pods have come. */
export function onlyProgress(
  before: { conditions?: Condition[]; message?: string; outbox?: { id: string }[] },
  patch: Record<string, unknown>,
  after: { conditions?: Condition[]; message?: string; outbox?: { id: string }[] },
): boolean {
  for (const key of Object.keys(patch)) {
    if (key === 'outbox') {
      if (!onlyRemoved(before.outbox ?? [], after.outbox ?? [])) return false;
    } else if (key === 'message') {
      if (!sameMessageButCounts(before.message, after.message)) return false;
    } else if (key === 'conditions') {
      if (!sameConditionStates(before.conditions ?? [], after.conditions ?? [])) return false;
    } else if (!progressFields.has(key)) return false;
  }
  return true;
}

/**
 * A message that only counts pods ("3/5 replicas updated" -> "4/5 ...") is progress; any other
 * change (why a Rollout waits, what it is doing) is written at once, since operators read it.
 */
function sameMessageButCounts(before: string | undefined, after: string | undefined): boolean {
  const shape = (message: string | undefined) => message?.replace(/\d+/g, '#');
  return shape(before) === shape(after);
}

/** True when `after` only leaves entries of `before` out (delivered ones), adding none. */
function onlyRemoved(before: { id: string }[], after: { id: string }[]): boolean {
  const ids = new Set(before.map((entry) => entry.id));
  return after.every((entry) => ids.has(entry.id));
}

function sameConditionStates(before: Condition[], after: Condition[]): boolean {
  if (before.length !== after.length) return false;
  return after.every((c) => {
    const old = before.find((b) => b.type === c.type);
    return old !== undefined && old.status === c.status && old.reason === c.reason;
  });
}

/**
 * How long a progress-only status change of `key` may still wait (0: write now). `pendingSince`
 * remembers, per Rollout, when its first unwritten change was seen; the caller deletes the entry
 * whenever it writes status.
 */
export function progressWriteDelay(
  pendingSince: Map<string, number>,
  key: string,
  now: number,
  intervalMs = progressWriteIntervalMs,
): number {
  const since = pendingSince.get(key);
  if (since === undefined) {
    pendingSince.set(key, now);
    return intervalMs;
  }
  return Math.max(0, since + intervalMs - now);
}

/** A ReplicaSet as the clear's wait sees it: what it is asked for and what it has. */
interface ReplicaSetCounts {
  desired: number;
  replicas: number;
  available: number;
}

/**
 * How long a pending status change may wait in all (`progressWriteDelay`'s interval): longer
 * while another write is sure to come: pods still moving (`podsMovingWriteWaitMs`), and for a
 * change that clears delivered outbox entries and nothing else, also a timed transition due
 * (`outboxClearWaitMs`).
 */
export function progressWriteInterval(
  patch: Record<string, unknown>,
  requeueAfterMs: number | undefined,
  replicaSets: readonly ReplicaSetCounts[],
): number {
  const podsMoving = replicaSets.some((rs) => rs.replicas !== rs.desired || rs.available < rs.desired);
  const clearOnly = Object.keys(patch).every((key) => key === 'outbox');
  if (!clearOnly) return podsMoving ? podsMovingWriteWaitMs : progressWriteIntervalMs;
  const timedTransition = requeueAfterMs !== undefined && requeueAfterMs <= outboxClearWaitMs;
  return timedTransition || podsMoving ? outboxClearWaitMs : progressWriteIntervalMs;
}

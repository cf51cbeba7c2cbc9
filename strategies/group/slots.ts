/**
 * The concurrency cap, shared by RolloutGroup.maxInProgress and ClusterRolloutGroup: candidates
 * get a slot in order while fewer than `cap` are in progress; the others wait and say why. Pure.
 */
export function grantSlots<T>(
  candidates: readonly T[],
  inProgress: number,
  cap: number | undefined,
): { admitted: T[]; waiting: { candidate: T; message: string }[] } {
  const admitted: T[] = [];
  const waiting: { candidate: T; message: string }[] = [];
  let busy = inProgress;
  for (const candidate of candidates) {
    if (cap === undefined || busy < cap) {
      admitted.push(candidate);
      busy++;
    } else {
      waiting.push({ candidate, message: `waiting for a slot: ${busy} of maxInProgress ${cap} in progress` });
    }
  }
  return { admitted, waiting };
}

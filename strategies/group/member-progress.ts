/**
 * Where one Rollout stands with its current template, read from its status alone. The group
 * decision and the member's own hold use this one reading, so they never disagree. Pure.
 */
import type { RolloutView } from './types.ts';

/**
 * - settled: Healthy on the version its template asks for;
 * - pending: a new template it has not started (it still runs its previous version);
 * - inFlight: started the current version (or its first deploy), not yet stable;
 * - aborted: the current version was aborted (status.abort).
 */
export type Progress = 'settled' | 'pending' | 'inFlight' | 'aborted';

export function progressOf(rollout: RolloutView): Progress {
  const { currentPodHash, stableRS, abort } = rollout.status;
  // No stable version yet: the first deploy goes straight to full size; nothing to hold back.
  if (currentPodHash === undefined || stableRS === undefined) return 'inFlight';
  // Back to the stable version (a revert): never held, it is where the Rollout is safe.
  if (currentPodHash !== rollout.desiredHash)
    return rollout.desiredHash === stableRS ? 'inFlight' : 'pending';
  if (abort === true) return 'aborted';
  return stableRS === currentPodHash ? 'settled' : 'inFlight';
}

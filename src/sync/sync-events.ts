/**
 * The Events a status change of a GitSource deserves: a commit applied, a commit refused
 * (invalid, or its signature), a Rollout aborted (the andon cord), a failure. Derived from the
 * status before and after a write, so a restarted controller, which reads the status back,
 * never repeats one. Pure.
 */
import { describeCommit } from '../kube/provenance.ts';
import { refusalReason } from './gitsource-status.ts';
import type { SyncStatus } from './inventory.ts';

export interface SyncEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function syncEvents(previous: SyncStatus | undefined, next: SyncStatus): SyncEvent[] {
  const events: SyncEvent[] = [];
  const newPhase = previous?.phase !== next.phase;
  if (next.applied && next.applied.sha !== previous?.applied?.sha) {
    events.push({
      type: 'Normal',
      reason: 'Applied',
      message: `Applied commit ${describeCommit(next.applied)}`,
    });
  }
  if (next.phase === 'Invalid' && (newPhase || previous.seen?.sha !== next.seen?.sha)) {
    events.push({ type: 'Warning', reason: refusalReason(next), message: next.message });
  }
  if (next.phase === 'Aborted' && (newPhase || previous.applied?.sha !== next.applied?.sha)) {
    events.push({ type: 'Warning', reason: 'Aborted', message: next.message });
  }
  if (next.phase === 'Failed' && newPhase)
    events.push({ type: 'Warning', reason: 'Failed', message: next.message });
  return events;
}

import {
  eventSegments,
  findings,
  rolloutRecords,
  stepIndexOf,
  type CheckInput,
  type Findings,
} from './check-types.ts';
import type { EventView } from './history.ts';

/**
 * Steps done twice or not at all, from two independent sources:
 * - Events: within one step sequence (from a new version, a retry or an A/B test start to the
 *   next), a step completed or started more than once is repeated; a step below the highest
 *   completed one (or any step, once the Rollout completed) with no completion is skipped.
 * - Status history: for one version and attempt, currentStepIndex going down is a repeat, and
 *   going up by more than one between two consecutive watch events (no gap between them) skips
 *   the steps in between unless an Event says they completed.
 * A finding is keyed by Rollout and step index, so the two sources never count one step twice.
 */
export function checkSteps(input: CheckInput): { repeated: Findings; skipped: Findings } {
  const repeated = new Set<string>();
  const skipped = new Set<string>();
  const completed = new Set<string>();
  for (const { name } of input.expectations) {
    for (const segment of eventSegments(input.events, name)) {
      eventFindings(name, segment, repeated, skipped, completed);
    }
  }
  for (const [name, records] of rolloutRecords(input.history)) {
    for (let i = 1; i < records.length; i++) {
      const prev = records[i - 1];
      const cur = records[i];
      if (prev?.kind !== 'rollout' || cur?.kind !== 'rollout') continue;
      const a = prev.status;
      const b = cur.status;
      if (a.abort || b.abort || a.currentPodHash !== b.currentPodHash || a.attempt !== b.attempt) continue;
      const from = a.currentStepIndex ?? 0;
      const to = b.currentStepIndex ?? 0;
      if (to < from) repeated.add(`${name} step ${String(to + 1)} (status went back from ${String(from)})`);
      for (let s = from + 1; s < to; s++)
        if (!completed.has(`${name}#${String(s)}`))
          skipped.add(`${name} step ${String(s + 1)} (status jumped from ${String(from)} to ${String(to)})`);
    }
  }
  return { repeated: findings(dedupe(repeated)), skipped: findings(dedupe(skipped)) };
}

function eventFindings(
  name: string,
  segment: readonly EventView[],
  repeated: Set<string>,
  skipped: Set<string>,
  completed: Set<string>,
): void {
  const completions = new Map<number, number>();
  const starts = new Map<number, number>();
  let total: number | undefined;
  for (const event of segment) {
    const index = stepIndexOf(event.message);
    if (index === undefined) continue;
    total = Number(/\bStep \d+\/(\d+)/.exec(event.message)?.[1]);
    const counter =
      event.reason === 'RolloutStepCompleted'
        ? completions
        : event.reason === 'RolloutStepStarted'
          ? starts
          : undefined;
    counter?.set(index, (counter.get(index) ?? 0) + 1);
  }
  for (const [index, n] of [...completions, ...starts])
    if (n > 1) repeated.add(`${name} step ${String(index + 1)} (${String(n)} Events)`);
  for (const index of completions.keys()) completed.add(`${name}#${String(index)}`);
  const finished = segment.some((e) => e.reason === 'RolloutCompleted');
  const top = finished && total !== undefined ? total : Math.max(-1, ...completions.keys());
  for (let index = 0; index < top; index++)
    if (!completions.has(index)) skipped.add(`${name} step ${String(index + 1)} (no completion Event)`);
}

/** One finding per Rollout and step, whichever source found it first. */
function dedupe(found: Set<string>): string[] {
  const seen = new Set<string>();
  return [...found].filter((line) => {
    const key = /^(\S+ step \d+)/.exec(line)?.[1] ?? line;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

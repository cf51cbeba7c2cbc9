import { checkEvents } from './check-events.ts';
import { checkDuplicateRuns, checkPromotionsOnMissingData } from './check-runs.ts';
import { checkSteps } from './check-steps.ts';
import { findings, type CheckInput, type Counts, type Findings } from './check-types.ts';

export type { CheckInput, Counts, RolloutExpectation } from './check-types.ts';

/**
 * The torture run's verdict, from Events, the recorded status history and the AnalysisRuns:
 * every count must be 0. Pure: the unit test feeds it histories with each kind of fault.
 */
export function check(input: CheckInput): { counts: Counts; details: Record<keyof Counts, string[]> } {
  const steps = checkSteps(input);
  const events = checkEvents(input);
  const all: Record<keyof Counts, Findings> = {
    repeatedSteps: steps.repeated,
    skippedSteps: steps.skipped,
    duplicateAnalysisRuns: checkDuplicateRuns(input),
    promotionsOnMissingData: checkPromotionsOnMissingData(input),
    lostEvents: events.lost,
    doubledEvents: events.doubled,
    wrongFinalStates: checkFinalStates(input),
  };
  const keys = Object.keys(all) as (keyof Counts)[];
  return {
    counts: Object.fromEntries(keys.map((k) => [k, all[k].count])) as unknown as Counts,
    details: Object.fromEntries(keys.map((k) => [k, all[k].details])) as Record<keyof Counts, string[]>,
  };
}

/**
 * Promoted: Healthy with the new version stable. Aborted (by the analysis or an operator):
 * Degraded with the old version still stable.
 */
function checkFinalStates(input: CheckInput): Findings {
  const details: string[] = [];
  for (const { name, outcome, oldHash } of input.expectations) {
    const s = input.final.get(name);
    const ok =
      outcome === 'promoted'
        ? s?.phase === 'Healthy' && s.stableRS === s.currentPodHash && s.stableRS !== oldHash
        : s?.phase === 'Degraded' && s.stableRS === oldHash;
    if (!ok)
      details.push(
        `${name}: expected ${outcome}, found phase ${s?.phase ?? 'none'}, stable ${s?.stableRS ?? 'none'} (old ${oldHash}), current ${s?.currentPodHash ?? 'none'}`,
      );
  }
  return findings(details);
}

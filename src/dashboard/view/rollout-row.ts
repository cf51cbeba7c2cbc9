import type { RolloutObject } from '../../controller/rollout-object.ts';
import { commitView } from './commit-view.ts';
import type { Phase, RolloutRow } from './types.ts';

export function strategyOf(rollout: RolloutObject): RolloutRow['strategy'] {
  const s = rollout.spec.strategy;
  if (s.canary) return 'Canary';
  if (s.blueGreen) return 'BlueGreen';
  if (s.abTest) return 'A/B test';
  return 'Rolling';
}

/** The steps a strategy walks through, when it has any. */
export function stepsOf(rollout: RolloutObject): readonly object[] {
  const s = rollout.spec.strategy;
  return s.canary?.steps ?? s.abTest?.steps ?? [];
}

/** One line of the list: what an operator scans for. Pure. */
export function rolloutRow(rollout: RolloutObject): RolloutRow {
  const status = rollout.status ?? {};
  const steps = stepsOf(rollout);
  const strategy = strategyOf(rollout);
  const index = status.currentStepIndex ?? 0;
  const settled = isSettled(rollout);
  const weight = weightOf(rollout, strategy, settled);
  const commit = commitView(rollout.metadata);
  const phase: Phase = status.phase ?? 'Unknown';
  return {
    key: `${rollout.metadata.namespace}/${rollout.metadata.name}`,
    namespace: rollout.metadata.namespace,
    name: rollout.metadata.name,
    phase,
    aborted: status.abort === true,
    paused: rollout.spec.paused === true || (status.pauseConditions?.length ?? 0) > 0,
    strategy,
    step: steps.length
      ? { current: Math.min(index + 1, steps.length), total: steps.length, done: settled }
      : null,
    weight,
    images: (rollout.spec.template?.spec?.containers ?? []).map((c) => c.image ?? '?'),
    commit: commit ?? (status.source?.revision ? { sha: status.source.revision } : null),
    message: status.message ?? '',
    created: rollout.metadata.creationTimestamp
      ? new Date(rollout.metadata.creationTimestamp).toISOString()
      : '',
  };
}

/** The current version is the stable one: the rollout is finished. */
export function isSettled(rollout: RolloutObject): boolean {
  const status = rollout.status ?? {};
  return status.currentPodHash !== undefined && status.currentPodHash === status.stableRS;
}

/** The new version's share of traffic: all of it once finished, else the canary weight or B's split. */
function weightOf(rollout: RolloutObject, strategy: RolloutRow['strategy'], settled: boolean): number | null {
  const status = rollout.status ?? {};
  if (strategy === 'Canary') return settled ? 100 : (status.canary?.weights?.canary ?? null);
  if (strategy === 'A/B test') return settled ? 100 : (status.abTest?.split?.b ?? null);
  return null;
}

import type { RolloutView } from '../../../strategies/group/types.ts';
import { podTemplateHash } from '../pod-template-hash.ts';
import { sourceStatus } from '../../kube/provenance.ts';
import type { RolloutObject } from '../rollout-object.ts';

/** What the group core reads of a cached Rollout: labels, the version it asks for, its status. */
export function rolloutView(rollout: RolloutObject): RolloutView {
  const { strategy } = rollout.spec;
  const s = rollout.status ?? {};
  const source = sourceStatus(rollout.metadata);
  return {
    name: rollout.metadata.name,
    labels: rollout.metadata.labels ?? {},
    desiredHash: podTemplateHash(rollout.spec.template),
    strategy: strategy.canary
      ? 'canary'
      : strategy.blueGreen
        ? 'blueGreen'
        : strategy.abTest
          ? 'abTest'
          : 'rolling',
    steps: strategy.canary?.steps?.length ?? 0,
    ...(source ? { source } : {}),
    status: {
      ...(s.phase === undefined ? {} : { phase: s.phase }),
      ...(s.message === undefined ? {} : { message: s.message }),
      ...(s.currentPodHash === undefined ? {} : { currentPodHash: s.currentPodHash }),
      ...(s.stableRS === undefined ? {} : { stableRS: s.stableRS }),
      ...(s.currentStepIndex === undefined ? {} : { currentStepIndex: s.currentStepIndex }),
      ...(s.abort === undefined ? {} : { abort: s.abort }),
      ...(s.abortedAt === undefined ? {} : { abortedAt: s.abortedAt }),
    },
  };
}

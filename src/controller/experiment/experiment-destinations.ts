/**
 * The extra weighted destinations of a canary experiment step (Argo Rollouts' additional
 * destinations): while the step's Experiment is Running (every template's pods available), each
 * template with `weight` gets that share of the traffic through its Service; before and after,
 * none, so the router puts the weight back on the stable. Pure.
 */
import type { RolloutExperimentStep } from '../../api/rollout.ts';
import type { ExperimentRequest } from '../../../strategies/types.ts';
import type { ExtraDestination } from '../../traffic/types.ts';
import { analysisLabels } from '../analysis/analysis-run-from-templates.ts';
import type { RolloutObject } from '../rollout-object.ts';
import { serviceNameOf, type ExperimentObject } from './experiment-objects.ts';

export function experimentDestinations(
  rollout: RolloutObject,
  requests: readonly ExperimentRequest[],
  experiments: readonly ExperimentObject[],
): ExtraDestination[] {
  return requests.flatMap((request) => {
    const step = rollout.spec.strategy.canary?.steps?.[request.stepIndex]?.experiment as
      RolloutExperimentStep | undefined;
    const experiment = experiments.find((exp) => exp.metadata.labels?.[analysisLabels.id] === request.id);
    if (!step || !experiment || experiment.status?.phase !== 'Running' || experiment.spec.terminate === true)
      return [];
    return step.templates.flatMap((template) => {
      const running = experiment.spec.templates.find((t) => t.name === template.name);
      return template.weight === undefined || running === undefined
        ? []
        : [{ service: serviceNameOf(experiment, running), weight: template.weight }];
    });
  });
}

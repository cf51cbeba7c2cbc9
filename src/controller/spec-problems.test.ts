import { describe, expect, it } from 'vitest';
import type { RolloutObject } from './rollout-object.ts';
import { specProblems } from './spec-problems.ts';

const rollout: RolloutObject = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'web:1' }] },
    },
    strategy: {
      canary: {
        steps: [
          {
            experiment: {
              templates: [{ name: 'baseline', specRef: 'stable' }],
              analyses: [
                { name: 'judge', templateName: 'judge' },
                { name: 'errors', templateName: 'errors', clusterScope: true },
              ],
            },
          },
        ],
      },
    },
  },
};

describe('specProblems', () => {
  it("names an experiment step's analysis whose template does not exist", () => {
    const known = new Set(['judge']);
    expect(
      specProblems(
        rollout,
        () => undefined,
        (name, cluster) => (!cluster && known.has(name) ? {} : undefined),
      ),
    ).toEqual([
      'spec.strategy.canary.steps[0].experiment.analyses[1].templateName: ClusterAnalysisTemplate "errors" not found',
    ]);
  });
});

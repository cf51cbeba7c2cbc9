import { describe, expect, it } from 'vitest';
import { analysisLabels } from '../analysis/analysis-run-from-templates.ts';
import type { RolloutObject } from '../rollout-object.ts';
import { experimentDestinations } from './experiment-destinations.ts';
import type { ExperimentObject } from './experiment-objects.ts';

const rollout = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u' },
  spec: {
    strategy: {
      canary: {
        steps: [
          { setWeight: 20 },
          {
            experiment: {
              templates: [
                { name: 'baseline', specRef: 'stable', weight: 5 },
                { name: 'canary', specRef: 'canary', weight: 10, service: { name: 'named' } },
                { name: 'quiet', specRef: 'canary' },
              ],
            },
          },
        ],
      },
    },
  },
} as unknown as RolloutObject;

const experiment = (phase: string, terminate = false) =>
  ({
    metadata: { name: 'web-s1', namespace: 'ns', uid: 'e', labels: { [analysisLabels.id]: 'step-1' } },
    spec: {
      ...(terminate ? { terminate } : {}),
      templates: ['baseline', 'canary', 'quiet'].map((name) => ({
        name,
        ...(name === 'canary' ? { service: { name: 'named' } } : {}),
        selector: {},
        template: {},
      })),
    },
    status: { phase },
  }) as unknown as ExperimentObject;

describe('experimentDestinations', () => {
  const request = [{ id: 'step-1', stepIndex: 1 }];

  it("gives each weighted template's Service its weight while the step's Experiment runs", () => {
    expect(experimentDestinations(rollout, request, [experiment('Running')])).toEqual([
      { service: 'web-s1-baseline', weight: 5 },
      { service: 'named', weight: 10 },
    ]);
  });

  it('gives nothing before the templates are available, after the Experiment, or once it is not requested', () => {
    for (const phase of ['Pending', 'Successful', 'Failed'])
      expect(experimentDestinations(rollout, request, [experiment(phase)])).toEqual([]);
    expect(experimentDestinations(rollout, request, [experiment('Running', true)])).toEqual([]);
    expect(experimentDestinations(rollout, [], [experiment('Running')])).toEqual([]);
  });
});

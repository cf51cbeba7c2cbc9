import { describe, expect, it } from 'vitest';
import type { AnalysisTemplateSpec } from '../../api/analysis.ts';
import type { RolloutObject } from '../rollout-object.ts';
import { analysisRunFromTemplates } from './analysis-run-from-templates.ts';

const template: AnalysisTemplateSpec = {
  metrics: [
    { name: 'errors', consecutiveErrorLimit: 4, provider: { web: { url: 'http://x' } } },
    { name: 'latency', consecutiveErrorLimit: 4, provider: { web: { url: 'http://y' } } },
  ],
  dryRun: [{ metricName: 'errors' }],
};

function rollout(analysis: Record<string, unknown>): RolloutObject {
  return {
    metadata: { name: 'r', namespace: 'ns', uid: 'u' },
    spec: {
      selector: { matchLabels: { app: 'r' } },
      strategy: {
        canary: {
          steps: [{ setWeight: 10 }, { analysis: { templates: [{ templateName: 't' }], ...analysis } }],
        },
      },
    },
  };
}

describe('analysisRunFromTemplates', () => {
  it("carries the Rollout's own dryRun and measurementRetention into the run (never dropped)", () => {
    const built = analysisRunFromTemplates(
      rollout({
        dryRun: [{ metricName: 'latency' }],
        measurementRetention: [{ metricName: 'latency', limit: 5 }],
      }),
      { id: 'step-1', kind: 'step', stepIndex: 1, templates: [{ templateName: 't' }] },
      () => template,
      { latest: 'abc' },
    );
    expect(built.ok && built.run.spec.dryRun).toEqual([{ metricName: 'errors' }, { metricName: 'latency' }]);
    expect(built.ok && built.run.spec.measurementRetention).toEqual([{ metricName: 'latency', limit: 5 }]);
  });

  it('uses only the templates when the Rollout sets neither', () => {
    const built = analysisRunFromTemplates(
      rollout({}),
      { id: 'step-1', kind: 'step', stepIndex: 1, templates: [{ templateName: 't' }] },
      () => template,
      { latest: 'abc' },
    );
    expect(built.ok && built.run.spec.dryRun).toEqual([{ metricName: 'errors' }]);
    expect(built.ok && built.run.spec.measurementRetention).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { AnalysisTemplate, ClusterAnalysisTemplate } from '../api/analysis.ts';
import type { Rollout } from '../api/rollout.ts';
import { validateResource, type BellwetherResource } from '../api/validate.ts';
import { planRollout, renderPlan, templateDurationMs } from './plan.ts';

function valid(obj: object): BellwetherResource {
  const result = validateResource(obj);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const template = valid({
  apiVersion: 'bellwether.dev/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'rate' },
  spec: {
    metrics: [
      {
        name: 'a',
        initialDelay: '30s',
        interval: '1m',
        count: 3,
        successCondition: 'result >= 1',
        provider: { prometheus: { address: 'http://p', query: 'q' } },
      },
      { name: 'b', count: 1, provider: { prometheus: { address: 'http://p', query: 'q' } } },
    ],
  },
}) as AnalysisTemplate;

const rollout = valid({
  apiVersion: 'bellwether.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'w' }] } },
    strategy: {
      canary: {
        steps: [
          { setWeight: 20 },
          { pause: { duration: '2m' } },
          {
            analysis: {
              templates: [{ templateName: 'rate' }, { templateName: 'other', clusterScope: true }],
            },
          },
          { setWeight: 50 },
          { pause: {} },
          { pause: { duration: 30 } },
        ],
      },
    },
  },
}) as Rollout;

describe('plan', () => {
  it('computes the time of a template from its slowest metric', () => {
    expect(templateDurationMs(template)).toBe(30_000 + 2 * 60_000);
    const endless = { ...template, spec: { metrics: [{ ...template.spec.metrics?.[0], count: undefined }] } };
    expect(templateDurationMs(endless as unknown as ClusterAnalysisTemplate)).toBeUndefined();
  });

  it('renders weights, pods, waits, analyses and the minimum duration', () => {
    const plan = planRollout(rollout, [template]);
    expect(plan.minimumMs).toBe(120_000 + 150_000 + 30_000);
    expect(renderPlan(rollout, plan)).toBe(
      [
        'Rollout shop/web (5 replicas)',
        'STEP  ACTION                                 CANARY  STABLE  PODS (CANARY/STABLE)  WAIT            ANALYSIS',
        '0     set canary weight to 20%               20%     80%     1/4',
        '1     pause                                  20%     80%     1/4                   2m',
        '2     run analysis and wait for its outcome  20%     80%     1/4                   at least 2m30s  rate, other',
        '3     set canary weight to 50%               50%     50%     3/3',
        '4     pause                                  50%     50%     3/3                   until promoted',
        '5     pause                                  50%     50%     3/3                   30s',
        'end   promote: canary becomes stable         100%    0%      5/0',
        'Minimum duration: 5m (timed pauses and analyses; pauses without duration wait for promote)',
        'Note: step 2: time of analysis "other" unknown',
        '',
      ].join('\n'),
    );
  });
});

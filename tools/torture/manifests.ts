import type { RolloutPlan } from './scenario.ts';

/**
 * The objects of one torture Rollout: its Services (and HTTPRoute for A/B), and the Rollout with
 * the strategy its plan names. Every gated strategy runs the `success-rate` analysis on the new
 * version against the real Prometheus, then waits for an operator as its last gate (canary: a
 * pause without duration; blue-green: manual promotion; A/B: the decision, with no comparison
 * analysis to take it), so a stray second promote can skip nothing.
 */
export const templateName = 'success-rate';
const apiVersion = 'bellwether.dev/v1alpha1';
const replicas = 2;

/** The demo app's error rate for a version: a bad one fails half its requests. */
export function errorRate(version: 1 | 2, plan: RolloutPlan): string {
  return version === 2 && plan.bad ? '0.5' : '0';
}

export function container(plan: RolloutPlan, version: 1 | 2): object {
  return {
    name: 'app',
    image: `${plan.name}:v${String(version)}`,
    env: [{ name: 'ERROR_RATE', value: errorRate(version, plan) }],
  };
}

/** Success rate of the version {{args.hash}} of Rollout {{args.rollout}} over 20 s. */
export function analysisTemplate(namespace: string, prometheusUrl: string): object {
  const selector = `namespace="${namespace}",rollout="{{args.rollout}}",pod_template_hash="{{args.hash}}"`;
  return {
    apiVersion,
    kind: 'AnalysisTemplate',
    metadata: { name: templateName },
    spec: {
      args: [{ name: 'hash' }, { name: 'rollout' }],
      metrics: [
        {
          name: 'success-rate',
          // the version's app is registered once its pods are available; Prometheus picks a new
          // target up within ~5 s and rate() needs two scrapes
          initialDelay: '15s',
          interval: '4s',
          count: 3,
          failureLimit: 0,
          // a Prometheus restart (or a slow one under load) is Error measurements, not a verdict
          consecutiveErrorLimit: 15,
          successCondition: 'result[0] >= 0.95',
          provider: {
            prometheus: {
              address: prometheusUrl,
              query:
                `sum(rate(http_requests_total{${selector},code!~"5.."}[20s])) / ` +
                `sum(rate(http_requests_total{${selector}}[20s]))`,
            },
          },
        },
      ],
    },
  };
}

function analysis(plan: RolloutPlan): object {
  return {
    templates: [{ templateName }],
    args: [
      { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
      { name: 'rollout', value: plan.name },
    ],
  };
}

const service = (name: string, app: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
});

function strategy(plan: RolloutPlan): object {
  const n = plan.name;
  const steps = [
    { setWeight: 50 },
    { pause: { duration: '5s' } },
    { analysis: analysis(plan) },
    { pause: {} },
  ];
  switch (plan.strategy) {
    case 'canary':
      return { canary: { steps } };
    case 'canary-router':
      return {
        canary: {
          canaryService: `${n}-canary`,
          stableService: `${n}-stable`,
          trafficRouting: { smi: { rootService: n, trafficSplitName: n } },
          steps,
        },
      };
    case 'blue-green':
      return {
        blueGreen: {
          activeService: `${n}-active`,
          previewService: `${n}-preview`,
          autoPromotionEnabled: false,
          scaleDownDelaySeconds: 5,
          prePromotionAnalysis: analysis(plan),
        },
      };
    case 'ab-test':
      return {
        abTest: {
          variants: { a: { service: `${n}-a` }, b: { service: `${n}-b` } },
          split: { a: 50, b: 50 },
          stickiness: { cookie: { name: 'variant' } },
          trafficRouting: { gatewayAPI: { httpRoute: n } },
          // no comparison analysis: once the steps are done the test waits for a human (the gate)
          steps: [{ setSplit: { a: 50, b: 50 } }, { analysis: analysis(plan) }],
          scaleDownDelaySeconds: 5,
        },
      };
    case 'rolling':
      return { rolling: { maxSurge: 1, maxUnavailable: 0 } };
  }
}

/** Services and routing objects the Rollout names (created before it). */
export function supportingObjects(plan: RolloutPlan): object[] {
  const n = plan.name;
  switch (plan.strategy) {
    case 'canary-router':
      return [service(`${n}-canary`, n), service(`${n}-stable`, n), service(n, n)];
    case 'blue-green':
      return [service(`${n}-active`, n), service(`${n}-preview`, n)];
    case 'ab-test':
      return [
        service(`${n}-a`, n),
        service(`${n}-b`, n),
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: n },
          spec: {
            parentRefs: [{ name: 'gateway' }],
            rules: [
              {
                backendRefs: [
                  { name: `${n}-a`, port: 80, weight: 100 },
                  { name: `${n}-b`, port: 80, weight: 0 },
                ],
              },
            ],
          },
        },
      ];
    default:
      return [];
  }
}

export function rollout(plan: RolloutPlan): object {
  return {
    apiVersion,
    kind: 'Rollout',
    metadata: { name: plan.name },
    spec: {
      replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: plan.name } },
      template: {
        metadata: { labels: { app: plan.name } },
        spec: { containers: [container(plan, 1)] },
      },
      strategy: strategy(plan),
    },
  };
}

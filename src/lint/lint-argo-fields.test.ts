import { describe, expect, it } from 'vitest';
import { hasErrors, lintParsed } from './lint.ts';
import { parseYaml } from './source.ts';

// The Argo Rollouts fields the controller carries out pass lint as Argo writes them, and a
// combination Argo refuses (or a limit that can never be an integer) fails naming the field.
const MANIFEST = `apiVersion: bellwether.dev/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  analysis: {successfulRunHistoryLimit: 2, unsuccessfulRunHistoryLimit: 1}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web:1}]}
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      trafficRouting:
        nginx: {stableIngress: web}
        managedRoutes: [{name: beta}]
      minPodsPerReplicaSet: 2
      scaleDownDelayRevisionLimit: 1
      canaryMetadata: {labels: {role: canary}}
      stableMetadata: {labels: {role: stable}}
      antiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {}}
      steps:
      - setWeight: 20
        setCanaryScale: {replicas: 2}
        setHeaderRoute: {name: beta, match: [{headerName: X-Beta, headerValue: {exact: "yes"}}]}
      - analysis:
          templates: [{templateName: check}]
          analysisRunMetadata: {labels: {team: a}}
        setCanaryScale: {weight: 50}
      - pause: {}
---
apiVersion: bellwether.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: check, namespace: shop}
spec:
  args: [{name: failures, value: "1"}]
  metrics:
  - name: check
    count: 3
    interval: 10s
    failureLimit: "{{args.failures}}"
    consecutiveErrorLimit: "{{ args.failures }}"
    successCondition: result == 1
    provider: {web: {url: "http://x/"}}
`;

const lint = (text: string) => lintParsed([parseYaml('argo.yaml', text)]);

describe('lint of Argo Rollouts fields', () => {
  it('accepts several actions per step, role metadata, antiAffinity, minPodsPerReplicaSet, run metadata and limits from args', () => {
    expect(lint(MANIFEST)).toEqual([]);
  });

  it('names two exclusive actions in one step and a limit that is not an integer', () => {
    const bad = MANIFEST.replace('      - pause: {}', '      - pause: {}\n        setWeight: 30').replace(
      'count: 3',
      'count: "three"',
    );
    const problems = lint(bad);
    expect(problems.map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
      '31 spec.strategy.canary.steps[2]: at most one of setWeight, pause, analysis, experiment may be set',
      '41 spec.metrics[0].count: must be an integer, got "three"; use an integer or an argument placeholder',
    ]);
    expect(hasErrors(problems)).toBe(true);
  });

  it('names minPodsPerReplicaSet without a router', () => {
    const noRouter = MANIFEST.replace(/ {6}trafficRouting:\n.*\n.*\n/, '')
      .replace(/ {8}setHeaderRoute: .*\n/, '')
      .replace(/ {8}setCanaryScale: .*\n/g, '');
    const paths = lint(noRouter).map((p) => `${p.path}: ${p.message}`);
    expect(paths).toContain(
      'spec.strategy.canary.minPodsPerReplicaSet: requires trafficRouting (without a router the share of pods is the traffic weight)',
    );
  });
});

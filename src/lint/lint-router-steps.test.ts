import { describe, expect, it } from 'vitest';
import { lintParsed } from './lint.ts';
import { parseYaml } from './source.ts';

describe('bellwether lint', () => {
  it('points at the line of a step the router cannot carry', () => {
    const yaml = `apiVersion: bellwether.dev/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers: [{ name: app, image: web:1 }]
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      analysis:
        templates: [{ templateName: t }]
      trafficRouting:
        smi: {}
        managedRoutes: [{ name: shadow }]
      steps:
        - setWeight: 10
        - setMirrorRoute:
            name: shadow
`;
    const template = `---
apiVersion: bellwether.dev/v1alpha1
kind: AnalysisTemplate
metadata: { name: t }
spec:
  metrics: [{ name: m, provider: { web: { url: 'http://x' } } }]
`;
    const problems = lintParsed([parseYaml('web.yaml', yaml + template)]);
    expect(problems.map((p) => `${p.line}:${p.col} ${p.object}: ${p.path}: ${p.message}`)).toEqual([
      '24:11 Rollout web: spec.strategy.canary.steps[1].setMirrorRoute: the smi router does not support mirror routes',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { AnalysisTemplateSpec } from '../src/api/analysis.ts';
import { flattenTemplates, selfReferences } from './template-composition.ts';

const metric = (name: string) => ({
  name,
  consecutiveErrorLimit: 4,
  provider: { prometheus: { address: 'http://p:9090', query: name } },
});

describe('AnalysisTemplate spec.templates', () => {
  const templates: Record<string, AnalysisTemplateSpec> = {
    rates: {
      args: [{ name: 'service' }],
      templates: [{ templateName: 'errors' }, { templateName: 'latency' }],
    },
    errors: {
      args: [{ name: 'service' }],
      metrics: [metric('error-rate')],
      dryRun: [{ metricName: 'error-rate' }],
    },
    latency: { metrics: [metric('p99')], templates: [{ templateName: 'shared', clusterScope: true }] },
    'cluster/shared': { metrics: [metric('saturation')] },
    loopA: { metrics: [metric('a')], templates: [{ templateName: 'loopB' }] },
    loopB: { metrics: [metric('b')], templates: [{ templateName: 'loopA' }] },
    dangling: { templates: [{ templateName: 'missing' }] },
  };
  const source = (name: string, cluster: boolean) => templates[cluster ? `cluster/${name}` : name];

  it('merges the referenced templates depth first, each once, without their templates field', () => {
    const outcome = flattenTemplates([{ templateName: 'rates' }, { templateName: 'errors' }], source);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.specs.flatMap((s) => (s.metrics ?? []).map((m) => m.name))).toEqual([
      'error-rate',
      'saturation',
      'p99',
    ]);
    expect(outcome.specs.some((s) => s.templates !== undefined)).toBe(false);
    expect(outcome.specs.flatMap((s) => s.dryRun ?? [])).toEqual([{ metricName: 'error-rate' }]);
  });

  it('reports a cycle naming the template and the field', () => {
    expect(flattenTemplates([{ templateName: 'loopA' }], source)).toEqual({
      ok: false,
      error: 'AnalysisTemplate "loopB": spec.templates[0]: reference cycle loopA -> loopB -> loopA',
    });
  });

  it('reports a missing nested template naming the field', () => {
    expect(flattenTemplates([{ templateName: 'dangling' }], source)).toEqual({
      ok: false,
      error: 'AnalysisTemplate "dangling": spec.templates[0]: AnalysisTemplate "missing" not found',
    });
  });

  it('selfReferences finds a template that includes itself', () => {
    expect(selfReferences('a', false, [{ templateName: 'b' }, { templateName: 'a' }])).toEqual([1]);
    expect(selfReferences('a', false, [{ templateName: 'a', clusterScope: true }])).toEqual([]);
  });
});

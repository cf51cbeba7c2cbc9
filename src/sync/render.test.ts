import { describe, expect, it } from 'vitest';
import { parseYaml } from '../lint/source.ts';
import { applyOrder, checkRendered } from './render.ts';

describe('applyOrder', () => {
  it('puts what others depend on first and keeps file order otherwise', () => {
    const kinds = [
      'Rollout',
      'Deployment',
      'Service',
      'AnalysisTemplate',
      'Namespace',
      'ConfigMap',
      'CustomResourceDefinition',
    ];
    const ordered = applyOrder(kinds.map((kind, index) => ({ kind, index })));
    expect(ordered.map((o) => o.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'ConfigMap',
      'Service',
      'AnalysisTemplate',
      'Rollout',
      'Deployment',
    ]);
  });

  it('is stable for equal kinds', () => {
    const items = ['b', 'a', 'c'].map((name) => ({ kind: 'Service', name }));
    expect(applyOrder(items).map((i) => i.name)).toEqual(['b', 'a', 'c']);
  });
});

describe('checkRendered', () => {
  it('keeps objects with their file and line and skips empty documents', () => {
    const file = parseYaml(
      'apps/web/all.yaml',
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n',
    );
    const { manifests, problems } = checkRendered([file]);
    expect(problems).toEqual([]);
    expect(manifests.map((m) => [m.file, m.line, m.object.kind])).toEqual([
      ['apps/web/all.yaml', 2, 'ConfigMap'],
      ['apps/web/all.yaml', 8, 'Service'],
    ]);
  });

  it('names the file and field an object lacks, and what lint finds', () => {
    const file = parseYaml(
      'apps/x.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\n- a list\n---\napiVersion: bellwether.dev/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  replicas: -1\n',
    );
    const { manifests, problems } = checkRendered([file]);
    const found = problems.map((p) => [p.file, p.line, p.path, p.message]);
    expect(found.slice(0, 2)).toEqual([
      ['apps/x.yaml', 3, 'metadata.name', 'is required'],
      ['apps/x.yaml', 5, 'the document', 'is not a Kubernetes object'],
    ]);
    expect(found).toContainEqual(['apps/x.yaml', 12, 'spec.replicas', 'must be at least 0']);
    expect(manifests.map((m) => m.object.kind)).toEqual(['Rollout']);
  });
});

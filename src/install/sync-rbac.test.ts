import type { KubernetesObject, V1PolicyRule } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from './kustomization.ts';

// deploy/sync: the sync controller's least-privilege RBAC, as docs/gitops.md documents it.
describe('deploy/sync', () => {
  const objects = renderKustomization('deploy/sync').map(
    (r) => r.object as KubernetesObject & Record<string, unknown>,
  );
  const rulesOf = (name: string) =>
    (
      objects.find((o) => o.kind === 'ClusterRole' && o.metadata?.name === name) as unknown as {
        rules: V1PolicyRule[];
      }
    ).rules;

  it('binds cluster-wide only what every GitSource needs: no Secret, no kind it applies, no wildcard', () => {
    const bound = objects
      .filter((o) => o.kind === 'ClusterRoleBinding')
      .map((o) => (o as unknown as { roleRef: { name: string } }).roleRef.name);
    expect(bound).toEqual(['bellwether-sync']);
    const rules = rulesOf('bellwether-sync');
    expect(rules.flatMap((r) => r.resources ?? []).sort()).toEqual([
      'events',
      'gitsources',
      'gitsources/status',
      'namespaces',
      'validatingadmissionpolicies',
      'validatingadmissionpolicybindings',
    ]);
    for (const rule of [...rules, ...rulesOf('bellwether-sync-apply')]) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
    }
  });

  it('leaves applying to a ClusterRole bound per namespace', () => {
    expect(rulesOf('bellwether-sync-apply').flatMap((r) => r.verbs)).toContain('delete');
    expect(objects.find((o) => o.kind === 'Deployment')?.metadata?.name).toBe('bellwether-sync');
  });
});

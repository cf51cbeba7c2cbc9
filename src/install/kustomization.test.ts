import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment, V1PolicyRule, V1Role } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCrds } from '../api/crds.ts';
import { version } from '../version.ts';
import { installObjects } from './install.ts';
import { deployDir, objectKey, renderKustomization } from './kustomization.ts';

const work = mkdtempSync(join(tmpdir(), 'bellwether-kustomization-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(work, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: x\n`;

describe('renderKustomization', () => {
  it('follows files and directories in the order listed', () => {
    const root = tree({
      'kustomization.yaml': 'resources:\n  - b.yaml\n  - sub\n',
      'b.yaml': configMap('b') + '---\n' + configMap('c'),
      'sub/kustomization.yaml': 'resources: [a.yaml]\n',
      'sub/a.yaml': configMap('a'),
    });
    expect(renderKustomization(root).map((r) => objectKey(r.object))).toEqual([
      'ConfigMap/x/b',
      'ConfigMap/x/c',
      'ConfigMap/x/a',
    ]);
  });

  it('refuses fields it does not implement, naming the file and the field', () => {
    const root = tree({ 'kustomization.yaml': 'namespace: shop\nresources: []\n' });
    expect(() => renderKustomization(root)).toThrow(
      `${join(root, 'kustomization.yaml')}: field "namespace" is not supported by bellwether install (only resources); use kubectl apply -k`,
    );
  });

  it('refuses a missing resource, a document without a name and an object defined twice', () => {
    expect(() => renderKustomization(tree({ 'kustomization.yaml': 'resources: [gone.yaml]\n' }))).toThrow(
      'resource "gone.yaml" does not exist',
    );
    expect(() =>
      renderKustomization(
        tree({
          'kustomization.yaml': 'resources: [a.yaml]\n',
          'a.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
        }),
      ),
    ).toThrow('a.yaml: document 1 has no apiVersion, kind or metadata.name');
    expect(() =>
      renderKustomization(
        tree({
          'kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
          'a.yaml': configMap('a'),
          'b.yaml': configMap('a'),
        }),
      ),
    ).toThrow(/ConfigMap\/x\/a is defined twice: in .*a\.yaml and in .*b\.yaml/);
  });
});

describe('deploy/ as bellwether install applies it', () => {
  const objects = installObjects();
  const keys = objects.map(objectKey);

  it('holds the namespace, the CRDs of crds/, RBAC, the Deployment, its PDB and metrics Service', () => {
    expect(keys).toEqual(
      expect.arrayContaining([
        'Namespace/bellwether',
        'CustomResourceDefinition/rollouts.bellwether.dev',
        'CustomResourceDefinition/analysisruns.bellwether.dev',
        'CustomResourceDefinition/analysistemplates.bellwether.dev',
        'CustomResourceDefinition/clusteranalysistemplates.bellwether.dev',
        'ServiceAccount/bellwether/bellwether',
        'ClusterRole/bellwether',
        'ClusterRoleBinding/bellwether',
        'RoleBinding/bellwether/bellwether-leader-election',
        'Deployment/bellwether/bellwether',
        'PodDisruptionBudget/bellwether/bellwether',
        'Service/bellwether/bellwether-metrics',
      ]),
    );
    // applied in dependency order: the namespace first, CRDs next, the workload last
    expect(keys[0]).toBe('Namespace/bellwether');
    expect(keys.indexOf('ClusterRoleBinding/bellwether')).toBeLessThan(
      keys.indexOf('Deployment/bellwether/bellwether'),
    );
    expect(renderKustomization(deployDir)).toHaveLength(objects.length);
  });

  it('installs every CRD generated from src/api (deploy/ lists ../crds, kept fresh by crds.test.ts)', () => {
    const installed = objects
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => o.metadata?.name);
    expect(installed.sort()).toEqual(
      buildCrds()
        .map((crd) => crd.metadata.name)
        .sort(),
    );
  });

  it('never grants Secrets cluster-wide, nor any wildcard', () => {
    const rules: V1PolicyRule[] = objects
      .filter((o) => o.kind === 'ClusterRole')
      .flatMap((o) => (o as V1Role).rules ?? []);
    expect(rules.filter((r) => r.resources?.includes('secrets'))).toEqual([]);
    for (const rule of rules) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      expect(rule.apiGroups).not.toContain('*');
    }
  });

  it('runs two replicas of the image of this version, non-root with a read-only root filesystem', () => {
    const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    expect(deployment.spec?.replicas).toBe(2);
    expect(container?.image).toBe(`ghcr.io/bellwether-dev/bellwether:${version}`);
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.ports?.map((p) => p.containerPort)).toEqual([8080, 8090]);
  });

  it("caps node's heap 160Mi under the container's memory limit (young generation, code, buffers)", () => {
    const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
    const container = deployment.spec?.template.spec?.containers[0];
    const heapCap = container?.command?.find((word) => word.startsWith('--max-old-space-size='));
    const limit = container?.resources?.limits?.memory;
    expect(container?.command?.[0]).toBe('node');
    expect(limit).toMatch(/^\d+Mi$/);
    expect(Number(heapCap?.split('=')[1])).toBe(Number.parseInt(limit ?? '', 10) - 160);
  });

  it('--image replaces the controller image', () => {
    const deployment = installObjects({ image: 'registry.example/bellwether:dev' }).find(
      (o) => o.kind === 'Deployment',
    ) as V1Deployment;
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('registry.example/bellwether:dev');
  });
});

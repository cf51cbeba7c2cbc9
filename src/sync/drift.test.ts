import { describe, expect, it } from 'vitest';
import { changedBy, comparable, driftedPaths, readableDiff, valueAt } from './drift.ts';
import type { KubeObject } from './kube-rest.ts';

const desired = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', annotations: { team: 'shop' } },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};

describe('driftedPaths', () => {
  it('ignores what others add: defaults, the controller hash in the selector, status, bookkeeping', () => {
    const live = {
      ...desired,
      metadata: {
        ...desired.metadata,
        uid: 'u',
        resourceVersion: '7',
        annotations: { team: 'shop', other: 'x' },
      },
      spec: {
        selector: { app: 'web', 'rollouts-pod-template-hash': 'abc' },
        ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
        clusterIP: '10.0.0.1',
      },
      status: {},
    };
    expect(driftedPaths(desired, live)).toEqual([]);
  });

  it('names each field Git declares that is different live', () => {
    const live = {
      ...desired,
      metadata: { name: 'web', annotations: {} },
      spec: { selector: { app: 'api' }, ports: [{ port: 81, targetPort: 8080 }] },
    };
    expect(driftedPaths(desired, live)).toEqual([
      'metadata.annotations.team',
      'spec.selector.app',
      'spec.ports[0].port',
    ]);
  });

  it('counts a list of another length as one drifted path', () => {
    const live = { ...desired, spec: { ...desired.spec, ports: [] } };
    expect(driftedPaths(desired, live)).toEqual(['spec.ports']);
  });

  it('reads values back at those paths', () => {
    expect(valueAt(desired, 'spec.ports[0].targetPort')).toBe(8080);
    expect(valueAt(desired, 'spec.nothing.here')).toBeUndefined();
  });
});

describe('changedBy', () => {
  it('lists the managers that wrote after the sync', () => {
    const live = {
      ...desired,
      metadata: {
        name: 'web',
        managedFields: [
          { manager: 'before', operation: 'Update', time: '2026-01-01T00:00:00Z' },
          { manager: 'bellwether-sync', operation: 'Apply', time: '2026-01-01T00:01:00Z' },
          { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:02:00Z' },
          { manager: 'bellwether', operation: 'Update', time: '2026-01-01T00:03:00Z', subresource: 'status' },
        ],
      },
    } as KubeObject;
    expect(changedBy(live)).toEqual(['kubectl-edit']);
  });
});

describe('readableDiff', () => {
  const withProvenance = (image: string, sha: string) =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        resourceVersion: sha,
        annotations: { 'bellwether.dev/source-revision': sha, team: 'shop' },
      },
      data: { image },
    }) as KubeObject;

  it('is empty when only provenance and bookkeeping differ', () => {
    expect(readableDiff('c', withProvenance('a', '1'), withProvenance('a', '2'))).toBe('');
    expect(comparable(withProvenance('a', '1'))?.metadata).toEqual({
      name: 'c',
      annotations: { team: 'shop' },
    });
  });

  it('never prints Secret values, only a digest of each', () => {
    const secret = (value: string) =>
      ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: value } }) as KubeObject;
    const text = readableDiff('Secret/s', secret('c2VjcmV0LW9uZQ=='), secret('c2VjcmV0LXR3bw=='));
    expect(text).toMatch(/- {2}token: \(sha256 [0-9a-f]{12}\)\n\+ {2}token: \(sha256 [0-9a-f]{12}\)/);
    expect(text).not.toContain('c2VjcmV0');
  });

  it('shows changed lines as a unified diff', () => {
    const text = readableDiff('ConfigMap/c', withProvenance('a', '1'), withProvenance('b', '2'));
    expect(text).toContain('--- live/ConfigMap/c');
    expect(text).toContain('-  image: a\n+  image: b');
  });
});

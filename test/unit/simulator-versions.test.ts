import type { V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { replicaRatio } from '../../tools/simulator/replica-ratio.ts';
import { imageTag, observedVersions, templateEnv } from '../../tools/simulator/versions.ts';

function replicaSet(options: {
  hash?: string;
  owner?: string;
  available?: number;
  image?: string;
  env?: { name: string; value?: string }[];
  deleting?: boolean;
}): V1ReplicaSet {
  return {
    metadata: {
      name: `web-${options.hash ?? 'none'}`,
      labels: options.hash ? { 'rollouts-pod-template-hash': options.hash } : {},
      ownerReferences: [
        {
          apiVersion: 'bellwether.dev/v1alpha1',
          kind: 'Rollout',
          name: 'web',
          uid: options.owner ?? 'uid-1',
          controller: true,
        },
      ],
      ...(options.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      selector: {},
      template: {
        spec: { containers: [{ name: 'app', image: options.image ?? 'web:1', env: options.env ?? [] }] },
      },
    },
    status: { replicas: 0, availableReplicas: options.available ?? 0 },
  };
}

describe('image tags', () => {
  it('takes the tag, not a registry port, and falls back for untagged images', () => {
    expect(imageTag('registry.example:5000/team/web:v2')).toBe('v2');
    expect(imageTag('web')).toBe('latest');
    expect(imageTag('registry.example:5000/web')).toBe('latest');
    expect(imageTag('web@sha256:abc')).toBe('sha256:abc');
  });
});

describe('the demo app env of a ReplicaSet', () => {
  it('is the literal env of the first container, VERSION defaulting to the image tag', () => {
    const rs = replicaSet({
      image: 'web:v3',
      env: [{ name: 'ERROR_RATE', value: '0.3' }, { name: 'FROM_SECRET' }],
    });
    expect(templateEnv(rs)).toEqual({ ERROR_RATE: '0.3', VERSION: 'v3' });
  });

  it('keeps a VERSION the template sets', () => {
    expect(templateEnv(replicaSet({ env: [{ name: 'VERSION', value: 'blue' }] })).VERSION).toBe('blue');
  });
});

describe('the versions of a Rollout', () => {
  it('are its own ReplicaSets with a hash label that are not being deleted', () => {
    const versions = observedVersions('uid-1', [
      replicaSet({ hash: 'a', available: 3 }),
      replicaSet({ hash: 'b', available: 1, owner: 'someone-else' }),
      replicaSet({ available: 2 }),
      replicaSet({ hash: 'c', available: 1, deleting: true }),
      replicaSet({ hash: 'd', available: 0 }),
    ]);
    expect(versions.map((v) => [v.hash, v.availableReplicas])).toEqual([
      ['a', 3],
      ['d', 0],
    ]);
  });

  it('without a router, weigh as their available replicas', () => {
    const versions = observedVersions('uid-1', [
      replicaSet({ hash: 'a', available: 3 }),
      replicaSet({ hash: 'b', available: 1 }),
      replicaSet({ hash: 'c', available: 0 }),
    ]);
    expect(replicaRatio(versions)).toEqual(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    );
  });
});

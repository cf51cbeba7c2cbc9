import { describe, expect, it } from 'vitest';
import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import {
  controllerUid,
  lastAppliedAnnotation,
  slimMetadata,
  slimObject,
  slimReplicaSet,
  slimService,
} from './cached-objects.ts';

const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }];

describe('cache stripping', () => {
  it('drops managedFields and the last-applied annotation, keeps other metadata', () => {
    const metadata = {
      name: 'web',
      namespace: 'a',
      uid: 'u1',
      resourceVersion: '7',
      labels: { app: 'web' },
      annotations: { [lastAppliedAnnotation]: '{"huge":"copy"}', 'bellwether.dev/revision': '2' },
      managedFields,
    };
    expect(slimMetadata(metadata)).toEqual({
      name: 'web',
      namespace: 'a',
      uid: 'u1',
      resourceVersion: '7',
      labels: { app: 'web' },
      annotations: { 'bellwether.dev/revision': '2' },
    });
    // the input is left as it was
    expect(metadata.managedFields).toBe(managedFields);
    expect(metadata.annotations[lastAppliedAnnotation]).toBeDefined();
  });

  it('keeps a Rollout spec and status whole', () => {
    const rollout = {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'r', managedFields },
      spec: { replicas: 5, template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
      status: { phase: 'Healthy' },
    };
    const slim = slimObject(rollout);
    expect(slim.metadata).toEqual({ name: 'r' });
    expect(slim.spec).toBe(rollout.spec);
    expect(slim.status).toBe(rollout.status);
  });

  it('keeps of a ReplicaSet only what the reconciler reads: no pod template', () => {
    const rs: V1ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'r-abc',
        namespace: 'a',
        labels: { 'rollouts-pod-template-hash': 'abc' },
        annotations: { 'bellwether.dev/revision': '1' },
        ownerReferences: [
          { apiVersion: 'bellwether.dev/v1alpha1', kind: 'Rollout', name: 'r', uid: 'u1', controller: true },
        ],
        managedFields,
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'r' } },
        template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } },
      },
      status: {
        replicas: 3,
        readyReplicas: 2,
        availableReplicas: 2,
        fullyLabeledReplicas: 3,
        conditions: [],
      },
    };
    expect(slimReplicaSet(rs)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'r-abc',
        namespace: 'a',
        labels: { 'rollouts-pod-template-hash': 'abc' },
        annotations: { 'bellwether.dev/revision': '1' },
        ownerReferences: rs.metadata?.ownerReferences,
      },
      spec: { replicas: 3, selector: { matchLabels: { app: 'r' } } },
      status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
    });
    expect(controllerUid(rs)).toEqual(['u1']);
  });

  it('keeps of a Service its selector and annotations', () => {
    const svc: V1Service = {
      metadata: { name: 'web', annotations: { 'bellwether.dev/managed-by': 'r' }, managedFields },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }], clusterIP: '10.0.0.1' },
      status: { loadBalancer: {} },
    };
    expect(slimService(svc)).toEqual({
      metadata: { name: 'web', annotations: { 'bellwether.dev/managed-by': 'r' } },
      spec: { selector: { app: 'web' } },
    });
  });

  it('an object without a controller owner is in no owner index entry', () => {
    expect(
      controllerUid({
        metadata: {
          ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u', controller: false }],
        },
      }),
    ).toEqual([]);
    expect(controllerUid({ metadata: {} })).toEqual([]);
  });
});

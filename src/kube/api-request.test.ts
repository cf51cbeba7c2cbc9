import { describe, expect, it } from 'vitest';
import { describeApiRequest } from './api-request.ts';

const server = 'https://127.0.0.1:6443';

describe('describeApiRequest', () => {
  it.each([
    ['GET', '/apis/bellwether.dev/v1alpha1/rollouts?limit=500', 'list', 'rollouts'],
    ['GET', '/apis/bellwether.dev/v1alpha1/namespaces/a/rollouts', 'list', 'rollouts'],
    ['GET', '/apis/bellwether.dev/v1alpha1/rollouts?watch=true&resourceVersion=5', 'watch', 'rollouts'],
    ['PATCH', '/apis/bellwether.dev/v1alpha1/namespaces/a/rollouts/r1/status', 'patch', 'rollouts/status'],
    ['POST', '/apis/apps/v1/namespaces/a/replicasets', 'create', 'replicasets'],
    ['PATCH', '/apis/apps/v1/namespaces/a/replicasets/r1-abc', 'patch', 'replicasets'],
    ['DELETE', '/apis/apps/v1/namespaces/a/replicasets/r1-abc', 'delete', 'replicasets'],
    ['POST', '/api/v1/namespaces/a/events', 'create', 'events'],
    ['GET', '/api/v1/namespaces/a/secrets/s', 'get', 'secrets'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/a/leases/l', 'update', 'leases'],
    ['GET', '/api/v1/namespaces/a', 'get', 'namespaces'],
    ['GET', '/api/v1/namespaces', 'list', 'namespaces'],
    ['GET', '/apis/bellwether.dev/v1alpha1/clusteranalysistemplates/t', 'get', 'clusteranalysistemplates'],
    ['DELETE', '/api/v1/namespaces/a/pods', 'deletecollection', 'pods'],
  ])('%s %s is %s %s', (method, path, verb, resource) => {
    expect(describeApiRequest(method, server + path)).toEqual({ verb, resource });
  });

  it('names an unknown path with an empty resource rather than failing', () => {
    expect(describeApiRequest('GET', `${server}/healthz`)).toEqual({ verb: 'list', resource: '' });
  });
});

import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import {
  gatewayRoutingRules,
  type HTTPRoute,
  type HTTPRouteFilter,
  type HTTPRouteRule,
} from '../../tools/simulator/gateway-routing.ts';
import { TableRouter } from '../../tools/simulator/routing.ts';
import { serviceLookup } from '../../tools/simulator/service-versions.ts';
import { countsOf, lookupOf, request } from './simulator-routing-support.ts';

const lookup = lookupOf({ stable: 'S', canary: 'C' });
const route = (...rules: HTTPRouteRule[]): HTTPRoute => ({ metadata: { namespace: 'ns' }, spec: { rules } });
const weighted = (stable: number, canary: number): HTTPRouteRule => ({
  backendRefs: [
    { name: 'stable', port: 80, weight: stable },
    { name: 'canary', port: 80, weight: canary },
  ],
});
const headerRule = (type: 'Exact' | 'RegularExpression', value: string): HTTPRouteRule => ({
  matches: [{ headers: [{ type, name: 'X-Canary', value }] }],
  backendRefs: [{ name: 'canary' }],
});

describe('Gateway API HTTPRoute -> routing', () => {
  it('splits by backendRef weights; a backendRef without weight counts 1', () => {
    expect(countsOf(gatewayRoutingRules(route(weighted(80, 20)), lookup), request())).toEqual({
      S: 80,
      C: 20,
    });
    const noWeights = route({ backendRefs: [{ name: 'stable' }, { name: 'canary' }] });
    expect(countsOf(gatewayRoutingRules(noWeights, lookup), request())).toEqual({ S: 50, C: 50 });
  });

  it('a header rule wins over the catch-all whatever the rule order (more header matches first)', () => {
    for (const rules of [
      [weighted(100, 0), headerRule('Exact', 'yes')],
      [headerRule('Exact', 'yes'), weighted(100, 0)],
    ]) {
      const r = gatewayRoutingRules(route(...rules), lookup);
      expect(countsOf(r, request({ 'x-canary': 'yes' }))).toEqual({ C: 100 });
      expect(countsOf(r, request({ 'x-canary': 'no' }))).toEqual({ S: 100 });
      expect(countsOf(r, request())).toEqual({ S: 100 });
    }
  });

  it('matches header names case-insensitively and RegularExpression values against the whole value', () => {
    const r = gatewayRoutingRules(route(weighted(1, 0), headerRule('RegularExpression', 'ye.')), lookup);
    expect(countsOf(r, request({ 'X-CANARY': 'yes' }), 3)).toEqual({ C: 3 });
    expect(countsOf(r, request({ 'x-canary': 'eyes!' }), 3)).toEqual({ S: 3 });
  });

  it('orders by the spec: exact path, longest prefix, method, header count; then the earlier rule', () => {
    const to = (name: string) => [{ name }];
    const r = gatewayRoutingRules(
      route(
        {
          matches: [
            {
              headers: [
                { name: 'a', value: '1' },
                { name: 'b', value: '2' },
              ],
            },
          ],
          backendRefs: to('canary'),
        },
        { matches: [{ method: 'GET', headers: [{ name: 'a', value: '1' }] }], backendRefs: to('m') },
        { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: to('api') },
        { matches: [{ path: { type: 'Exact', value: '/api' } }], backendRefs: to('exact') },
        { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: to('later') },
      ),
      lookupOf({ canary: 'C', m: 'M', api: 'API', exact: 'EXACT', later: 'LATER' }),
    );
    const both = { a: '1', b: '2' };
    expect(countsOf(r, request(both, '/api'), 1)).toEqual({ EXACT: 1 });
    expect(countsOf(r, request(both, '/api/x'), 1)).toEqual({ API: 1 });
    expect(countsOf(r, request(both, '/'), 1)).toEqual({ M: 1 });
    expect(countsOf(r, { path: '/', method: 'POST', headers: both }, 1)).toEqual({ C: 1 });
    expect(countsOf(r, request({}, '/apiary'), 1)).toEqual({ unrouted: 1 });
  });

  it('honours only the first condition on a header name, and query parameters', () => {
    const r = gatewayRoutingRules(
      route(weighted(1, 0), {
        matches: [
          {
            headers: [
              { name: 'x', value: '1' },
              { name: 'X', value: '2' },
            ],
            queryParams: [{ name: 'beta', value: 'on' }],
          },
        ],
        backendRefs: [{ name: 'canary' }],
      }),
      lookup,
    );
    expect(countsOf(r, request({ x: '1' }, '/?beta=on'), 2)).toEqual({ C: 2 });
    expect(countsOf(r, request({ x: '1' }, '/?beta=off'), 2)).toEqual({ S: 2 });
  });

  it('ignores backendRefs that are not Services', () => {
    const r = gatewayRoutingRules(
      route({
        backendRefs: [
          { name: 'stable' },
          { name: 'canary', kind: 'ServiceImport', group: 'multicluster.x-k8s.io' },
        ],
      }),
      lookup,
    );
    expect(countsOf(r, request())).toEqual({ S: 100 });
  });

  it('mirrors by RequestMirror percent or fraction, to the mirror Service, besides the routed request', () => {
    const mirrored = (filter: NonNullable<HTTPRouteFilter['requestMirror']>) => {
      const r = gatewayRoutingRules(
        route({
          filters: [{ type: 'RequestMirror', requestMirror: filter }],
          backendRefs: [{ name: 'stable' }],
        }),
        lookup,
      );
      const router = new TableRouter();
      router.update({ rules: r }, new Set(['S', 'C']));
      return Array.from({ length: 100 }, () => router.route(request())).filter((c) =>
        c?.mirrorTo.includes('C'),
      ).length;
    };
    expect(mirrored({ backendRef: { name: 'canary' } })).toBe(100);
    expect(mirrored({ backendRef: { name: 'canary' }, percent: 25 })).toBe(25);
    expect(mirrored({ backendRef: { name: 'canary' }, fraction: { numerator: 1, denominator: 8 } })).toBe(12);
  });

  it('carries ResponseHeaderModifier filters of the rule and of each backendRef with that backend', () => {
    const r = gatewayRoutingRules(
      route({
        filters: [
          {
            type: 'ResponseHeaderModifier',
            responseHeaderModifier: { set: [{ name: 'X-Route', value: 'r' }] },
          },
        ],
        backendRefs: [
          {
            name: 'stable',
            filters: [
              {
                type: 'ResponseHeaderModifier',
                responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: 'v=a' }] },
              },
            ],
          },
          {
            name: 'canary',
            filters: [
              {
                type: 'ResponseHeaderModifier',
                responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: 'v=b' }] },
              },
            ],
          },
        ],
      }),
      lookup,
    );
    const router = new TableRouter();
    router.update({ rules: r }, new Set(['S', 'C']));
    const answers = [router.route(request()), router.route(request())];
    expect(answers.map((a) => [a?.hash, a?.responseHeaders])).toEqual([
      [
        'S',
        [
          ['x-route', 'r'],
          ['set-cookie', 'v=a'],
        ],
      ],
      [
        'C',
        [
          ['x-route', 'r'],
          ['set-cookie', 'v=b'],
        ],
      ],
    ]);
  });

  it('a Service without the pod template hash in its selector spreads over versions by available replicas', () => {
    const services: V1Service[] = [
      { metadata: { name: 'stable', namespace: 'ns' }, spec: { selector: { app: 'web' } } },
      {
        metadata: { name: 'canary', namespace: 'ns' },
        spec: { selector: { app: 'web', 'rollouts-pod-template-hash': 'C' } },
      },
    ];
    const versions = [
      { hash: 'S', replicaSet: 'web-S', availableReplicas: 3, env: {} },
      { hash: 'C', replicaSet: 'web-C', availableReplicas: 1, env: {} },
    ];
    const r = gatewayRoutingRules(
      route({ backendRefs: [{ name: 'stable' }] }),
      serviceLookup(services, versions, 'ns'),
    );
    expect(countsOf(r, request())).toEqual({ S: 75, C: 25 });
    const missing = gatewayRoutingRules(
      route({ backendRefs: [{ name: 'gone' }] }),
      serviceLookup(services, versions, 'ns'),
    );
    expect(countsOf(missing, request(), 1)).toEqual({ unrouted: 1 });
  });
});

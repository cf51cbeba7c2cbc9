import { describe, expect, it } from 'vitest';
import {
  istioRoutingRules,
  serviceOfHost,
  type DestinationRule,
  type VirtualService,
} from '../../tools/simulator/istio-routing.ts';
import { TableRouter } from '../../tools/simulator/routing.ts';
import { smiRoutingRules, smiWeight } from '../../tools/simulator/smi-routing.ts';
import { countsOf, lookupOf, request } from './simulator-routing-support.ts';

const lookup = lookupOf({ 'web-stable': 'S', 'web-canary': 'C' });
const vs = (...http: NonNullable<VirtualService['spec']>['http'] & object): VirtualService => ({
  metadata: { namespace: 'ns' },
  spec: { http },
});
const primary = (stable: number, canary: number) => ({
  name: 'primary',
  route: [
    { destination: { host: 'web-stable' }, weight: stable },
    { destination: { host: 'web-canary.ns.svc.cluster.local' }, weight: canary },
  ],
});

describe('Istio VirtualService -> routing', () => {
  it('splits a route by destination weights; a single destination takes everything', () => {
    expect(countsOf(istioRoutingRules(vs(primary(70, 30)), [], lookup), request())).toEqual({ S: 70, C: 30 });
    const single = vs({ name: 'one', route: [{ destination: { host: 'web-canary' } }] });
    expect(countsOf(istioRoutingRules(single, [], lookup), request())).toEqual({ C: 100 });
  });

  it('takes routes in list order: the first match wins, even a less specific one', () => {
    const header = {
      name: 'canary-header',
      match: [{ headers: { 'x-canary': { exact: 'yes' } } }],
      route: [{ destination: { host: 'web-canary' } }],
    };
    const headerFirst = istioRoutingRules(vs(header, primary(100, 0)), [], lookup);
    expect(countsOf(headerFirst, request({ 'X-Canary': 'yes' }))).toEqual({ C: 100 });
    expect(countsOf(headerFirst, request({ 'x-canary': 'no' }))).toEqual({ S: 100 });
    const headerLast = istioRoutingRules(vs(primary(100, 0), header), [], lookup);
    expect(countsOf(headerLast, request({ 'x-canary': 'yes' }))).toEqual({ S: 100 });
  });

  it('matches prefix and full-value regex headers, presence, withoutHeaders, uri and any of several match entries', () => {
    const r = istioRoutingRules(
      vs(
        {
          name: 'beta',
          match: [
            { headers: { 'x-group': { regex: 'beta|qa' } } },
            { uri: { prefix: '/new' }, withoutHeaders: { 'x-legacy': {} } },
            { headers: { 'x-user': { prefix: 'tester-' } } },
          ],
          route: [{ destination: { host: 'web-canary' } }],
        },
        primary(100, 0),
      ),
      [],
      lookup,
    );
    expect(countsOf(r, request({ 'x-group': 'qa' }), 1)).toEqual({ C: 1 });
    expect(countsOf(r, request({ 'x-group': 'qa-team' }), 1)).toEqual({ S: 1 });
    expect(countsOf(r, request({}, '/new/page'), 1)).toEqual({ C: 1 });
    expect(countsOf(r, request({ 'x-legacy': '' }, '/new/page'), 1)).toEqual({ S: 1 });
    expect(countsOf(r, request({ 'x-user': 'tester-7' }), 1)).toEqual({ C: 1 });
  });

  it('resolves subsets through the DestinationRule subset labels (the pod template hash)', () => {
    const rule: DestinationRule = {
      metadata: { namespace: 'ns' },
      spec: {
        host: 'web.ns.svc.cluster.local',
        subsets: [
          { name: 'stable', labels: { 'rollouts-pod-template-hash': 'S' } },
          { name: 'canary', labels: { 'rollouts-pod-template-hash': 'C' } },
        ],
      },
    };
    const r = istioRoutingRules(
      vs({
        name: 'primary',
        route: [
          { destination: { host: 'web', subset: 'stable' }, weight: 60 },
          { destination: { host: 'web', subset: 'canary' }, weight: 40 },
          { destination: { host: 'web', subset: 'unknown' }, weight: 50 },
        ],
      }),
      [rule],
      lookupOf({}),
    );
    expect(countsOf(r, request())).toEqual({ S: 60, C: 40 });
  });

  it('mirrors with mirrorPercentage (default 100) and mirrors[], and carries headers.response with each destination', () => {
    const r = istioRoutingRules(
      vs({
        name: 'primary',
        mirror: { host: 'web-canary' },
        mirrorPercentage: { value: 10 },
        route: [
          {
            destination: { host: 'web-stable' },
            weight: 100,
            headers: { response: { add: { 'Set-Cookie': 'variant=a' } } },
          },
        ],
      }),
      [],
      lookup,
    );
    const router = new TableRouter();
    router.update({ rules: r }, new Set(['S', 'C']));
    const choices = Array.from({ length: 50 }, () => router.route(request()));
    expect(choices.filter((c) => c?.mirrorTo.includes('C'))).toHaveLength(5);
    expect(choices[0]?.responseHeaders).toEqual([['set-cookie', 'variant=a']]);
    const all = istioRoutingRules(
      vs({
        name: 'p',
        mirrors: [{ destination: { host: 'web-canary' } }],
        route: [{ destination: { host: 'web-stable' } }],
      }),
      [],
      lookup,
    );
    expect(all[0]?.mirrors).toEqual([{ hash: 'C', percent: 100 }]);
  });

  it('reads hosts as short names or FQDNs', () => {
    expect(serviceOfHost('web', 'ns')).toEqual({ name: 'web', namespace: 'ns' });
    expect(serviceOfHost('web.other.svc.cluster.local', 'ns')).toEqual({ name: 'web', namespace: 'other' });
  });
});

describe('SMI TrafficSplit -> routing', () => {
  it('splits by backend weights, integers or v1alpha1 quantities', () => {
    const split = (a: number | string, b: number | string) =>
      smiRoutingRules(
        {
          metadata: { namespace: 'ns' },
          spec: {
            service: 'web',
            backends: [
              { service: 'web-stable', weight: a },
              { service: 'web-canary', weight: b },
            ],
          },
        },
        lookup,
      );
    expect(countsOf(split(90, 10), request())).toEqual({ S: 90, C: 10 });
    expect(countsOf(split('750m', '250m'), request())).toEqual({ S: 75, C: 25 });
    expect([smiWeight('1k'), smiWeight('bad'), smiWeight(undefined), smiWeight(-1)]).toEqual([1000, 0, 0, 0]);
  });
});

import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { canaryIngressFor } from '../../tools/simulator/cluster-routing.ts';
import { nginxCanaryPolicy, nginxRoutingRules } from '../../tools/simulator/nginx-routing.ts';
import { countsOf, lookupOf, request } from './simulator-routing-support.ts';

const p = 'nginx.ingress.kubernetes.io';

function ingress(
  name: string,
  service: string,
  annotations: Record<string, string> = {},
  host = 'shop.example',
): V1Ingress {
  return {
    metadata: { name, namespace: 'ns', annotations },
    spec: {
      rules: [
        {
          host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service } } }] },
        },
      ],
    },
  };
}

const lookup = lookupOf({ 'web-stable': 'stable', 'web-canary': 'canary' });
const stableIngress = ingress('web', 'web-stable');
const rules = (annotations: Record<string, string>) =>
  nginxRoutingRules(
    {
      stableIngress,
      canaryIngress: ingress('web-canary', 'web-canary', { [`${p}/canary`]: 'true', ...annotations }),
    },
    lookup,
  );

describe('NGINX canary Ingress -> routing', () => {
  it('splits by canary-weight out of 100', () => {
    expect(countsOf(rules({ [`${p}/canary-weight`]: '20' }), request())).toEqual({ canary: 20, stable: 80 });
  });

  it('uses canary-weight-total only above 100, as balancer.lua does', () => {
    expect(
      countsOf(rules({ [`${p}/canary-weight`]: '50', [`${p}/canary-weight-total`]: '200' }), request(), 200),
    ).toEqual({
      canary: 50,
      stable: 150,
    });
    expect(
      countsOf(rules({ [`${p}/canary-weight`]: '30', [`${p}/canary-weight-total`]: '50' }), request()),
    ).toEqual({
      canary: 30,
      stable: 70,
    });
  });

  it('sends everything to stable without a canary Ingress, or when the annotation is not canary: "true"', () => {
    expect(countsOf(nginxRoutingRules({ stableIngress }, lookup), request())).toEqual({ stable: 100 });
    const notCanary = ingress('web-canary', 'web-canary', { [`${p}/canary-weight`]: '50' });
    expect(
      countsOf(nginxRoutingRules({ stableIngress, canaryIngress: notCanary }, lookup), request()),
    ).toEqual({
      stable: 100,
    });
  });

  it('canary-by-header with canary-by-header-value: the exact value goes to the canary, others fall to the weight', () => {
    const r = rules({
      [`${p}/canary-weight`]: '0',
      [`${p}/canary-by-header`]: 'X-Canary',
      [`${p}/canary-by-header-value`]: 'yes',
    });
    expect(countsOf(r, request({ 'x-canary': 'yes' }))).toEqual({ canary: 100 });
    expect(countsOf(r, request({ 'x-canary': 'YES' }))).toEqual({ stable: 100 });
    // with a value configured, "never" is just another non-matching value
    expect(countsOf(r, request({ 'x-canary': 'never' }))).toEqual({ stable: 100 });
  });

  it('plain canary-by-header: always -> canary, never -> stable even at weight 100, others -> weight', () => {
    const r = rules({ [`${p}/canary-weight`]: '100', [`${p}/canary-by-header`]: 'X-Canary' });
    expect(countsOf(r, request({ 'X-Canary': 'always' }))).toEqual({ canary: 100 });
    expect(countsOf(r, request({ 'X-Canary': 'never' }))).toEqual({ stable: 100 });
    expect(countsOf(r, request({ 'X-Canary': 'maybe' }))).toEqual({ canary: 100 });
  });

  it('canary-by-header-pattern matches anywhere in the value; ignored when a header value is set', () => {
    const r = rules({ [`${p}/canary-by-header`]: 'X-Group', [`${p}/canary-by-header-pattern`]: 'beta|qa' });
    expect(countsOf(r, request({ 'x-group': 'team-qa' }))).toEqual({ canary: 100 });
    expect(countsOf(r, request({ 'x-group': 'prod' }))).toEqual({ stable: 100 });
    const both = rules({
      [`${p}/canary-by-header`]: 'X-Group',
      [`${p}/canary-by-header-value`]: 'beta',
      [`${p}/canary-by-header-pattern`]: 'qa',
    });
    expect(countsOf(both, request({ 'x-group': 'qa' }))).toEqual({ stable: 100 });
  });

  it('precedence: header > cookie > weight', () => {
    const r = rules({
      [`${p}/canary-weight`]: '50',
      [`${p}/canary-by-header`]: 'X-Canary',
      [`${p}/canary-by-cookie`]: 'canary',
    });
    expect(countsOf(r, request({ 'x-canary': 'never', cookie: 'canary=always' }))).toEqual({ stable: 100 });
    expect(countsOf(r, request({ 'x-canary': 'always', cookie: 'canary=never' }))).toEqual({ canary: 100 });
    expect(countsOf(r, request({ cookie: 'a=1; canary=always' }))).toEqual({ canary: 100 });
    expect(countsOf(r, request({ cookie: 'canary=never' }))).toEqual({ stable: 100 });
    expect(countsOf(r, request({ cookie: 'canary=yes' }))).toEqual({ canary: 50, stable: 50 });
  });

  it('matches paths: the longest path of the stable Ingress wins, and only a canary path with the same value splits it', () => {
    const stable: V1Ingress = {
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        rules: [
          {
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'web-stable' } } },
                { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api' } } },
              ],
            },
          },
        ],
      },
    };
    const canary: V1Ingress = {
      metadata: { name: 'c', annotations: { [`${p}/canary`]: 'true', [`${p}/canary-weight`]: '100' } },
      spec: {
        rules: [
          {
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-canary' } } }],
            },
          },
        ],
      },
    };
    const r = nginxRoutingRules(
      { stableIngress: stable, canaryIngress: canary },
      lookupOf({ ...{ 'web-canary': 'canary' }, api: 'api' }),
    );
    expect(countsOf(r, request({}, '/api/items'), 10)).toEqual({ api: 10 });
    expect(countsOf(r, request({}, '/apix'), 10)).toEqual({ canary: 10 });
  });

  it('reads annotations under another prefix, and ignores empty ones', () => {
    const policy = nginxCanaryPolicy(
      ingress('c', 'web-canary', {
        'custom.io/canary': 'true',
        'custom.io/canary-weight': '7',
        'custom.io/canary-by-header': '',
      }),
      'custom.io',
    );
    expect(policy).toEqual({
      weight: 7,
      weightTotal: 100,
      header: undefined,
      headerValue: undefined,
      headerPattern: undefined,
      cookie: undefined,
    });
  });

  it('finds the canary Ingress: annotated canary and sharing a host with the stable one', () => {
    const otherHost = ingress('a-other', 'x', { [`${p}/canary`]: 'true' }, 'other.example');
    const plain = ingress('b-plain', 'x');
    const canary = ingress('c-canary', 'web-canary', { [`${p}/canary`]: 'true' });
    expect(
      canaryIngressFor(stableIngress, [stableIngress, otherHost, plain, canary], p)?.metadata?.name,
    ).toBe('c-canary');
    expect(canaryIngressFor(stableIngress, [stableIngress, otherHost], p)).toBeUndefined();
  });
});

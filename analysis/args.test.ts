import { describe, expect, it } from 'vitest';
import type { Argument } from '../src/api/analysis.ts';
import { mergeArgs, redactor, resolveArgs, resolveMetric, secretRefsOf, substituteArgs } from './args.ts';
import type { ArgValueSources, ResolvedArgs } from './args.ts';
import { metric } from '../test/support/analysis/fixtures.ts';

function ok<T>(outcome: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.value;
}

function failure(outcome: { ok: true } | { ok: false; error: string }): string {
  if (outcome.ok) throw new Error('expected an error');
  return outcome.error;
}

const secrets: Record<string, string> = { 'prom-auth/token': 's3cr3t-token', 'web/key': 'a&b=c' };
const sources: ArgValueSources = {
  secret: (ref) => secrets[`${ref.name}/${ref.key}`],
  owner: { metadata: { name: 'guestbook', labels: { app: 'guestbook-app' } }, spec: { replicas: 3 } },
};

describe('mergeArgs', () => {
  const template: Argument[] = [
    { name: 'service-name' },
    { name: 'threshold', value: '0.95' },
    { name: 'token', valueFrom: { secretKeyRef: { name: 'prom-auth', key: 'token' } } },
  ];

  it('applies caller values over template defaults and ignores undeclared args', () => {
    const merged = ok(
      mergeArgs(template, [
        { name: 'service-name', value: 'checkout' },
        { name: 'threshold', value: '0.99' },
        { name: 'unused', value: 'x' },
      ]),
    );
    expect(merged).toEqual([
      { name: 'service-name', value: 'checkout' },
      { name: 'threshold', value: '0.99' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'prom-auth', key: 'token' } } },
    ]);
  });

  it('lets the caller pass valueFrom', () => {
    const merged = ok(
      mergeArgs(template, [
        { name: 'service-name', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ]),
    );
    expect(merged[0]).toEqual({
      name: 'service-name',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
  });

  it('names every required argument the caller did not pass', () => {
    expect(failure(mergeArgs(template, []))).toBe(
      'argument "service-name" needs a value: the template declares no default and the caller passes none',
    );
    expect(failure(mergeArgs([{ name: 'a' }, { name: 'b' }], undefined))).toMatch(
      /^arguments "a", "b" need a value/,
    );
  });
});

describe('resolveArgs', () => {
  it('resolves literal, Secret and fieldRef values', () => {
    const resolved = ok(
      resolveArgs(
        [
          { name: 'threshold', value: '0.95' },
          { name: 'token', valueFrom: { secretKeyRef: { name: 'prom-auth', key: 'token' } } },
          { name: 'app', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'replicas', valueFrom: { fieldRef: { fieldPath: 'spec.replicas' } } },
        ],
        sources,
      ),
    );
    expect(Object.fromEntries(resolved.values)).toEqual({
      threshold: '0.95',
      token: 's3cr3t-token',
      app: 'guestbook-app',
      replicas: '3',
    });
    expect([...resolved.secretValues]).toEqual(['s3cr3t-token']);
  });

  it('names the argument and the missing Secret key', () => {
    const error = failure(
      resolveArgs(
        [{ name: 'token', valueFrom: { secretKeyRef: { name: 'prom-auth', key: 'nope' } } }],
        sources,
      ),
    );
    expect(error).toBe('argument "token": Secret "prom-auth" has no key "nope"');
  });

  it('names the argument and the missing field', () => {
    const error = failure(
      resolveArgs(
        [{ name: 'team', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } }],
        sources,
      ),
    );
    expect(error).toBe(
      `argument "team": fieldRef metadata.labels['team']: $['metadata']['labels']['team'] does not exist`,
    );
  });

  it('rejects an argument without any value', () => {
    expect(failure(resolveArgs([{ name: 'x' }], sources))).toBe('argument "x": has no value');
    expect(
      failure(
        resolveArgs(
          [{ name: 'x', value: 'a', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          sources,
        ),
      ),
    ).toBe('argument "x": set value or valueFrom, not both');
  });

  it('lists the Secret keys to read beforehand', () => {
    expect(
      secretRefsOf([
        { name: 'a', value: '1' },
        { name: 'b', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ]),
    ).toEqual([{ name: 's', key: 'k' }]);
  });
});

describe('substituteArgs', () => {
  const values = new Map([
    ['service-name', 'checkout'],
    ['count', '5'],
  ]);

  it('replaces placeholders with or without spaces, deeply', () => {
    expect(
      ok(
        substituteArgs({ q: 'rate{svc="{{args.service-name}}"}', list: ['{{ args.count }}x'], n: 1 }, values),
      ),
    ).toEqual({ q: 'rate{svc="checkout"}', list: ['5x'], n: 1 });
  });

  it('leaves other placeholders alone', () => {
    expect(ok(substituteArgs('{{experiment.availableAt}}', values))).toBe('{{experiment.availableAt}}');
  });

  it('names unknown arguments and where they are', () => {
    expect(
      failure(substituteArgs({ provider: { web: { url: 'http://x/{{args.nope}}' } } }, values, 'metrics[m]')),
    ).toBe('metrics[m].provider.web.url: unknown argument "nope" in {{args.nope}}');
  });
});

describe('resolveMetric', () => {
  const resolved: ResolvedArgs = ok(
    resolveArgs(
      [
        { name: 'service-name', value: 'checkout' },
        { name: 'interval', value: '30s' },
        { name: 'count', value: '4' },
        { name: 'token', valueFrom: { secretKeyRef: { name: 'prom-auth', key: 'token' } } },
      ],
      sources,
    ),
  );

  it('substitutes provider fields, schedule fields and conditions', () => {
    const spec = metric({
      interval: '{{args.interval}}',
      count: '{{args.count}}',
      successCondition: 'result[0] >= 0.95',
      provider: {
        prometheus: {
          address: 'http://{{args.service-name}}-prom:9090',
          query: 'sum(rate(http_requests_total{service="{{args.service-name}}"}[5m]))',
          headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
        },
      },
    });
    const result = ok(resolveMetric(spec, resolved));
    expect(result).toMatchObject({
      interval: '30s',
      count: '4',
      provider: {
        prometheus: {
          address: 'http://checkout-prom:9090',
          query: 'sum(rate(http_requests_total{service="checkout"}[5m]))',
          headers: [{ key: 'Authorization', value: 'Bearer s3cr3t-token' }],
        },
      },
    });
    expect(spec.interval).toBe('{{args.interval}}');
  });

  it('redacts secret values, also URL-encoded', () => {
    expect(resolved.redact('GET /q?token=s3cr3t-token failed: s3cr3t-token')).toBe(
      'GET /q?token=***** failed: *****',
    );
    const encoded = redactor(['a&b=c']);
    expect(encoded('url ?key=a%26b%3Dc and a&b=c')).toBe('url ?key=***** and *****');
    expect(redactor([''])('nothing to hide')).toBe('nothing to hide');
    expect(redactor(['abc', 'abcdef'])('abcdef abc')).toBe('***** *****');
  });
});

import { describe, expect, it } from 'vitest';
import type { MetricInput, PrometheusAuthentication } from '../../src/api/analysis.ts';
import { credentialSecretRefs, resolveCredentials } from './credentials.ts';

function metric(authentication?: PrometheusAuthentication): MetricInput {
  return { name: 'rate', provider: { prometheus: { address: 'http://p', query: 'up', authentication } } };
}

const secrets: Record<string, string> = { 'prom/token': 'tok', 'prom/password': 'pw' };
const lookup = (ref: { name: string; key: string }) => secrets[`${ref.name}/${ref.key}`];

describe('Prometheus credentials', () => {
  it('reads a bearer token', () => {
    const auth = { bearer: { secretKeyRef: { name: 'prom', key: 'token' } } };
    expect(credentialSecretRefs(metric(auth))).toEqual([{ name: 'prom', key: 'token' }]);
    expect(resolveCredentials(metric(auth), lookup)).toEqual({
      ok: true,
      credentials: { bearerToken: 'tok' },
      secretValues: ['tok'],
    });
  });

  it('reads a basic password', () => {
    const auth = { basic: { username: 'reader', passwordSecretKeyRef: { name: 'prom', key: 'password' } } };
    expect(resolveCredentials(metric(auth), lookup)).toEqual({
      ok: true,
      credentials: { username: 'reader', password: 'pw' },
      secretValues: ['pw'],
    });
  });

  it('needs nothing without authentication', () => {
    expect(credentialSecretRefs(metric())).toEqual([]);
    expect(resolveCredentials(metric(), lookup)).toEqual({ ok: true, secretValues: [] });
  });

  it('names the missing Secret key', () => {
    const auth = { bearer: { secretKeyRef: { name: 'prom', key: 'nope' } } };
    expect(resolveCredentials(metric(auth), lookup)).toEqual({
      ok: false,
      error: 'metrics[rate].provider.prometheus.authentication.bearer: Secret "prom" has no key "nope"',
    });
  });
});

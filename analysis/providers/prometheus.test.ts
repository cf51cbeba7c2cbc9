import { afterEach, describe, expect, it } from 'vitest';
import type { MetricInput, PrometheusMetric } from '../../src/api/analysis.ts';
import { compileMetricConditions, measurementFromOutcome } from '../measurement.ts';
import { startServer, unusedPort } from '../../test/support/analysis/http-server.ts';
import type { Reply, TestServer } from '../../test/support/analysis/http-server.ts';
import { T0 } from '../../test/support/analysis/fixtures.ts';
import { prometheusProvider } from './prometheus.ts';
import { MeasurementError } from './provider.ts';
import type { MeasureContext } from './provider.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(reply: Reply | ((url: URL) => Reply)): Promise<TestServer> {
  server = await startServer((request) => (typeof reply === 'function' ? reply(request.url) : reply));
  return server;
}

function metricFor(address: string, overrides: Partial<PrometheusMetric> = {}): MetricInput {
  return { name: 'success-rate', provider: { prometheus: { address, query: 'up', ...overrides } } };
}

const provider = prometheusProvider({ now: () => T0 });

function json(value: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(value) };
}
const vector = (...values: string[]) =>
  json({
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((value, i) => ({ metric: { pod: `p${i}` }, value: [1767366000, value] })),
    },
  });
const scalar = (value: string) =>
  json({ status: 'success', data: { resultType: 'scalar', result: [1767366000, value] } });

async function measurementError(promise: Promise<unknown>): Promise<MeasurementError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof MeasurementError))
    throw new Error(`expected a MeasurementError, got ${String(error)}`);
  return error;
}

describe('request shape', () => {
  it('sends an instant query as GET /api/v1/query with the query encoded', async () => {
    const { url, requests } = await serve(vector('1'));
    const query = 'sum(rate(http_requests_total{service="checkout",code!~"5.."}[5m])) / 2 + 1';
    await provider.measure(metricFor(url, { query }));
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.pathname).toBe('/api/v1/query');
    expect(requests[0]?.url.searchParams.get('query')).toBe(query);
    expect(requests[0]?.headers.accept).toBe('application/json');
  });

  it('keeps a path prefix in the address and drops a trailing slash', async () => {
    const { url, requests } = await serve(vector('1'));
    await provider.measure(metricFor(`${url}/prometheus/`));
    expect(requests[0]?.url.pathname).toBe('/prometheus/api/v1/query');
  });

  it('sends a range query with start, end and step', async () => {
    const { url, requests } = await serve(
      json({
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']] }] },
      }),
    );
    await provider.measure(
      metricFor(url, { rangeQuery: { start: "now() - duration('5m')", end: 'now()', step: '1m' } }),
    );
    const params = requests[0]?.url.searchParams;
    expect(requests[0]?.url.pathname).toBe('/api/v1/query_range');
    expect(params?.get('query')).toBe('up');
    expect(params?.get('start')).toBe(String((T0 - 300_000) / 1000));
    expect(params?.get('end')).toBe(String(T0 / 1000));
    expect(params?.get('step')).toBe('60');
  });

  it('sends custom headers', async () => {
    const { url, requests } = await serve(vector('1'));
    await provider.measure(
      metricFor(url, {
        headers: [
          { key: 'X-Scope-OrgID', value: 'team-a' },
          { key: 'X-Other', value: 'b' },
        ],
      }),
    );
    expect(requests[0]?.headers['x-scope-orgid']).toBe('team-a');
    expect(requests[0]?.headers['x-other']).toBe('b');
  });
});

describe('authentication', () => {
  const bearer = { bearer: { secretKeyRef: { name: 'prom', key: 'token' } } };
  const basic = { basic: { username: 'reader', passwordSecretKeyRef: { name: 'prom', key: 'password' } } };

  it('sends a bearer token, over any custom Authorization header', async () => {
    const { url, requests } = await serve(vector('1'));
    const metric = metricFor(url, {
      authentication: bearer,
      headers: [{ key: 'Authorization', value: 'Bearer stale' }],
    });
    await provider.measure(metric, { credentials: { bearerToken: 't0ken' } });
    expect(requests[0]?.headers.authorization).toBe('Bearer t0ken');
  });

  it('sends basic authentication', async () => {
    const { url, requests } = await serve(vector('1'));
    await provider.measure(metricFor(url, { authentication: basic }), {
      credentials: { username: 'reader', password: 'p@ss:word' },
    });
    expect(requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('reader:p@ss:word').toString('base64')}`,
    );
  });

  it('refuses to query unauthenticated when authentication is configured', async () => {
    const { url, requests } = await serve(vector('1'));
    const error = await measurementError(provider.measure(metricFor(url, { authentication: bearer })));
    expect(error.kind).toBe('config');
    expect(error.message).toBe('authentication.bearer is set but no bearer token was provided');
    const wrongKind: MeasureContext = { credentials: { bearerToken: 'x' } };
    expect(
      (await measurementError(provider.measure(metricFor(url, { authentication: basic }), wrongKind))).kind,
    ).toBe('config');
    expect(requests).toHaveLength(0);
  });
});

describe('results', () => {
  it('reads a one-sample vector as a one-element list', async () => {
    const { url } = await serve(vector('0.97'));
    expect(await provider.measure(metricFor(url))).toEqual({ value: [0.97], display: '[0.97]' });
  });

  it('reads a multi-sample vector as a list', async () => {
    const { url } = await serve(vector('0.97', '0.5', '1e-3'));
    expect(await provider.measure(metricFor(url))).toEqual({
      value: [0.97, 0.5, 0.001],
      display: '[0.97,0.5,1e-3]',
    });
  });

  it('reads a scalar as a number', async () => {
    const { url } = await serve(scalar('42'));
    expect(await provider.measure(metricFor(url))).toEqual({ value: 42, display: '42' });
  });

  it('flattens a matrix, series after series, oldest first', async () => {
    const { url } = await serve(
      json({
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { pod: 'a' },
              values: [
                [1, '0.1'],
                [2, '0.2'],
              ],
            },
            { metric: { pod: 'b' }, values: [[1, '0.3']] },
          ],
        },
      }),
    );
    expect(await provider.measure(metricFor(url))).toEqual({
      value: [0.1, 0.2, 0.3],
      display: '[0.1,0.2,0.3]',
    });
  });

  it('keeps +Inf and -Inf', async () => {
    const { url } = await serve(vector('+Inf', '-Inf'));
    expect(await provider.measure(metricFor(url))).toEqual({
      value: [Infinity, -Infinity],
      display: '[+Inf,-Inf]',
    });
  });

  it('makes an empty vector or matrix an error, never a success', async () => {
    const { url } = await serve(vector());
    const error = await measurementError(provider.measure(metricFor(url)));
    expect(error).toMatchObject({ kind: 'no-data', message: 'query returned no data (empty vector)' });
  });

  it('makes an empty matrix an error', async () => {
    const { url } = await serve(json({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    expect((await measurementError(provider.measure(metricFor(url)))).message).toBe(
      'query returned no data (empty matrix)',
    );
  });

  it('makes NaN an error naming the series', async () => {
    const { url } = await serve(vector('0.9', 'NaN'));
    const error = await measurementError(provider.measure(metricFor(url)));
    expect(error).toMatchObject({ kind: 'not-a-number', message: 'query returned NaN for {pod="p1"}' });
  });

  it('makes a NaN scalar an error', async () => {
    const { url } = await serve(scalar('NaN'));
    expect((await measurementError(provider.measure(metricFor(url)))).message).toBe('query returned NaN');
  });

  it('rejects string results', async () => {
    const { url } = await serve(
      json({ status: 'success', data: { resultType: 'string', result: [1, 'x'] } }),
    );
    expect((await measurementError(provider.measure(metricFor(url)))).message).toBe(
      'query returned a string; conditions need numbers',
    );
  });

  it('feeds conditions the way Argo templates expect', async () => {
    const { url } = await serve(vector('0.97'));
    const value = await provider.measure(metricFor(url));
    for (const successCondition of ['result[0] >= 0.95', 'result >= 0.95', 'result.all(x, x >= 0.95)']) {
      const compiled = compileMetricConditions({ name: 'm', successCondition });
      if (!compiled.ok) throw new Error(compiled.error);
      const measurement = measurementFromOutcome({
        outcome: value,
        conditions: compiled.conditions,
        startedAt: T0,
        finishedAt: T0,
      });
      expect(measurement.phase).toBe('Successful');
    }
  });
});

describe('failures', () => {
  it('quotes a Prometheus status:error reply', async () => {
    const { url } = await serve(
      json({ status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected "}"' }, 400),
    );
    const error = await measurementError(provider.measure(metricFor(url)));
    expect(error).toMatchObject({
      kind: 'query-failed',
      message: 'query failed (bad_data): 1:5: parse error: unexpected "}"',
    });
  });

  it('reports a non-JSON error page with its status', async () => {
    const { url } = await serve({ status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    const error = await measurementError(provider.measure(metricFor(url)));
    expect(error.kind).toBe('http-status');
    expect(error.message).toBe(`prometheus at ${url} returned HTTP 502: <html>Bad Gateway</html>`);
  });

  it('reports malformed JSON', async () => {
    const { url } = await serve({ body: '{"status":"success","data":' });
    const error = await measurementError(provider.measure(metricFor(url)));
    expect(error.kind).toBe('malformed');
    expect(error.message).toMatch(/returned a body that is not JSON: \{"status":"success","data":/);
  });

  it('reports replies that are not query results', async () => {
    const { url } = await serve(
      json({ status: 'success', data: { resultType: 'vector', result: [{ value: 3 }] } }),
    );
    expect((await measurementError(provider.measure(metricFor(url)))).message).toMatch(
      /malformed reply: sample 3 is not \[time, "value"\]/,
    );
  });

  it('times out a server that never answers, within the timeout', async () => {
    const { url } = await serve('hang');
    const started = performance.now();
    const error = await measurementError(provider.measure(metricFor(url, { timeout: 1 })));
    const elapsed = performance.now() - started;
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/timed out after 1s/);
    expect(elapsed).toBeLessThan(3000);
  });

  it('stops when the caller aborts', async () => {
    const { url } = await serve('hang');
    const controller = new AbortController();
    const pending = provider.measure(metricFor(url), { signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 50);
    expect((await measurementError(pending)).kind).toBe('aborted');
  });

  it('reports a refused connection', async () => {
    const port = await unusedPort();
    const error = await measurementError(provider.measure(metricFor(`http://127.0.0.1:${port}`)));
    expect(error.kind).toBe('request');
    expect(error.message).toMatch(
      new RegExp(`GET http://127.0.0.1:${port}/api/v1/query failed: .*ECONNREFUSED`),
    );
  });
});

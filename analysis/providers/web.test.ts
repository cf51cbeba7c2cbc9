import { afterEach, describe, expect, it } from 'vitest';
import type { MetricInput, WebMetric } from '../../src/api/analysis.ts';
import { startServer, unusedPort } from '../../test/support/analysis/http-server.ts';
import type { RecordedRequest, Reply, TestServer } from '../../test/support/analysis/http-server.ts';
import { MeasurementError } from './provider.ts';
import { webProvider } from './web.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(reply: Reply | ((request: RecordedRequest) => Reply)): Promise<TestServer> {
  server = await startServer((request) => (typeof reply === 'function' ? reply(request) : reply));
  return server;
}

function metricFor(spec: Partial<WebMetric> & { url: string }): MetricInput {
  return { name: 'web-check', provider: { web: spec } };
}

const provider = webProvider();
const body = {
  data: { ok: true, successPercent: 0.97, items: [{ name: 'a' }, { name: 'b' }] },
  status: 'true',
};
const okReply: Reply = { body: JSON.stringify(body) };

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
  it('sends a GET with headers and query string', async () => {
    const { url, requests } = await serve(okReply);
    await provider.measure(
      metricFor({
        url: `${url}/api/v1/measurement?service=checkout&window=5m`,
        headers: [{ key: 'Authorization', value: 'Bearer abc' }],
        jsonPath: '{$.data.ok}',
      }),
    );
    expect(requests[0]).toMatchObject({ method: 'GET', body: '' });
    expect(requests[0]?.url.pathname).toBe('/api/v1/measurement');
    expect(Object.fromEntries(requests[0]?.url.searchParams ?? [])).toEqual({
      service: 'checkout',
      window: '5m',
    });
    expect(requests[0]?.headers.authorization).toBe('Bearer abc');
    expect(requests[0]?.headers.accept).toBe('application/json');
  });

  it('sends a POST body as JSON by default', async () => {
    const { url, requests } = await serve(okReply);
    await provider.measure(metricFor({ url, method: 'POST', body: '{"service":"checkout"}' }));
    expect(requests[0]).toMatchObject({ method: 'POST', body: '{"service":"checkout"}' });
    expect(requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('keeps a Content-Type the template sets', async () => {
    const { url, requests } = await serve(okReply);
    await provider.measure(
      metricFor({ url, method: 'PUT', body: 'a=1', headers: [{ key: 'content-type', value: 'text/plain' }] }),
    );
    expect(requests[0]).toMatchObject({ method: 'PUT', body: 'a=1' });
    expect(requests[0]?.headers['content-type']).toBe('text/plain');
  });

  it('refuses a body with GET before sending anything', async () => {
    const { url, requests } = await serve(okReply);
    const error = await measurementError(provider.measure(metricFor({ url, body: '{}' })));
    expect(error).toMatchObject({ kind: 'config', message: 'body is only sent with POST or PUT, not GET' });
    expect(requests).toHaveLength(0);
  });
});

describe('results', () => {
  it('takes the value at jsonPath with its JSON type', async () => {
    const { url } = await serve(okReply);
    expect(await provider.measure(metricFor({ url, jsonPath: '{$.data.ok}' }))).toEqual({
      value: true,
      display: 'true',
    });
    expect(await provider.measure(metricFor({ url, jsonPath: '$.data.successPercent' }))).toEqual({
      value: 0.97,
      display: '0.97',
    });
    expect(await provider.measure(metricFor({ url, jsonPath: '{$.status}' }))).toEqual({
      value: 'true',
      display: 'true',
    });
    expect(await provider.measure(metricFor({ url, jsonPath: '$.data.items[1].name' }))).toEqual({
      value: 'b',
      display: 'b',
    });
  });

  it('takes the whole document without jsonPath', async () => {
    const { url } = await serve(okReply);
    expect(await provider.measure(metricFor({ url }))).toEqual({
      value: body,
      display: JSON.stringify(body),
    });
  });

  it('makes a jsonPath that matches nothing an error saying where', async () => {
    const { url } = await serve(okReply);
    const error = await measurementError(provider.measure(metricFor({ url, jsonPath: '{$.data.missing}' })));
    expect(error).toMatchObject({
      kind: 'not-found',
      message: "jsonPath {$.data.missing} matched nothing: $['data']['missing'] does not exist",
    });
  });

  it('rejects an unsupported jsonPath', async () => {
    const { url } = await serve(okReply);
    const error = await measurementError(
      provider.measure(metricFor({ url, jsonPath: '$.data.items[*].name' })),
    );
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/wildcards/);
  });
});

describe('failures', () => {
  it('makes a non-2xx status an error', async () => {
    const { url } = await serve({ status: 503, body: 'overloaded', contentType: 'text/plain' });
    const error = await measurementError(provider.measure(metricFor({ url })));
    expect(error).toMatchObject({ kind: 'http-status', message: `GET ${url} returned HTTP 503: overloaded` });
  });

  it('reports malformed JSON', async () => {
    const { url } = await serve({ body: '{"data": {"ok": tru' });
    const error = await measurementError(provider.measure(metricFor({ url, jsonPath: '$.data.ok' })));
    expect(error.kind).toBe('malformed');
    expect(error.message).toBe(`GET ${url} returned a body that is not JSON: {"data": {"ok": tru`);
  });

  it('times out a server that never answers, within timeoutSeconds', async () => {
    const { url } = await serve('hang');
    const started = performance.now();
    const error = await measurementError(provider.measure(metricFor({ url, timeoutSeconds: 1 })));
    expect(error).toMatchObject({ kind: 'timeout', message: `GET ${url} timed out after 1s` });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('reports a refused connection', async () => {
    const port = await unusedPort();
    const error = await measurementError(provider.measure(metricFor({ url: `http://127.0.0.1:${port}/x` })));
    expect(error.kind).toBe('request');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

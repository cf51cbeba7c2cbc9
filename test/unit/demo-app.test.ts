import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp } from '../../tools/demo-app/app.ts';
import type { DemoAppConfig } from '../../tools/demo-app/config.ts';

// The handler on a loopback server in this process: what a scrape and a client see.
describe('demo app', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  async function start(config: Partial<DemoAppConfig>): Promise<string> {
    const app = createDemoApp({
      version: 'v2',
      errorRate: 0,
      latencyMs: 0,
      conversionRate: 0,
      port: 0,
      ...config,
    });
    server = createServer(app.handle);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const get = (url: string) => axios.get<string>(url, { timeout: 5000, validateStatus: () => true });

  function sample(metrics: string, series: string): number {
    const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`no ${series} in\n${metrics}`);
    return Number(line.slice(series.length + 1));
  }

  it('answers 500 for the configured fraction of requests and counts them by code', async () => {
    const url = await start({ errorRate: 0.3 });
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) codes.push((await get(`${url}/anything`)).status);
    expect(codes).toEqual([200, 200, 200, 500, 200, 200, 500, 200, 200, 500]);

    const metrics = (await get(`${url}/metrics`)).data;
    expect(sample(metrics, 'http_requests_total{version="v2",code="200"}')).toBe(7);
    expect(sample(metrics, 'http_requests_total{version="v2",code="500"}')).toBe(3);
    expect(sample(metrics, 'http_request_duration_seconds_count{version="v2"}')).toBe(10);
  });

  it('names its version in a header and has every series at 0 before traffic', async () => {
    const url = await start({ version: 'v7' });
    const metrics = (await get(`${url}/metrics`)).data;
    expect(sample(metrics, 'http_requests_total{version="v7",code="500"}')).toBe(0);
    expect(sample(metrics, 'checkout_total{version="v7"}')).toBe(0);
    expect(sample(metrics, 'conversions_total{version="v7"}')).toBe(0);
    expect((await get(`${url}/`)).headers['x-version']).toBe('v7');
  });

  it('counts conversions among successful checkouts only', async () => {
    const url = await start({ errorRate: 0.5, conversionRate: 0.25 });
    for (let i = 0; i < 16; i++) await get(`${url}/checkout`);
    const metrics = (await get(`${url}/metrics`)).data;
    expect(sample(metrics, 'checkout_total{version="v2"}')).toBe(8);
    expect(sample(metrics, 'conversions_total{version="v2"}')).toBe(2);
  });

  it('adds the configured latency to app requests, not to scrapes', async () => {
    const url = await start({ latencyMs: 60 });
    await get(`${url}/`);
    const metrics = (await get(`${url}/metrics`)).data;
    expect(sample(metrics, 'http_request_duration_seconds_sum{version="v2"}')).toBeGreaterThanOrEqual(0.05);
    expect(sample(metrics, 'http_request_duration_seconds_bucket{le="0.05",version="v2"}')).toBe(0);
  });
});

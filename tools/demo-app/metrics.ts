import { Counter, Histogram, Registry } from 'prom-client';

/** The demo app's Prometheus metrics, in a registry of its own (no process metrics: less to scrape). */
export function createDemoMetrics(version: string) {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by status code.',
    labelNames: ['version', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response.',
    labelNames: ['version'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const checkouts = new Counter({
    name: 'checkout_total',
    help: 'Successful requests to /checkout.',
    labelNames: ['version'] as const,
    registers: [registry],
  });
  const conversions = new Counter({
    name: 'conversions_total',
    help: 'Checkouts that converted.',
    labelNames: ['version'] as const,
    registers: [registry],
  });
  // Every series exists from the first scrape, at 0: an error-rate query over a healthy version
  // then yields 0 rather than an empty result, as it would for an app that has served errors before.
  for (const code of ['200', '500']) requests.labels(version, code).inc(0);
  checkouts.labels(version).inc(0);
  conversions.labels(version).inc(0);
  duration.zero({ version });
  return { registry, requests, duration, checkouts, conversions };
}

export type DemoMetrics = ReturnType<typeof createDemoMetrics>;

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DemoAppConfig } from './config.ts';
import { isSelected } from './even-selection.ts';
import { createDemoMetrics } from './metrics.ts';

/**
 * The request handler of the demo app: `/metrics` serves the registry; every other path is
 * "the app", answered 200 or 500 per the configured error rate after the configured latency.
 * `/checkout` additionally counts checkouts and conversions, for A/B experiments.
 */
export function createDemoApp(config: DemoAppConfig) {
  const metrics = createDemoMetrics(config.version);
  let requestsSeen = 0;
  let checkoutsSeen = 0;

  async function serveMetrics(res: ServerResponse): Promise<void> {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(body);
  }

  async function serveApp(path: string, res: ServerResponse): Promise<void> {
    const stopTimer = metrics.duration.startTimer({ version: config.version });
    // Counted on arrival, so the error pattern follows arrival order whatever the latency.
    requestsSeen += 1;
    const fails = isSelected(requestsSeen, config.errorRate);
    if (config.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, config.latencyMs));
    if (path === '/checkout' && !fails) {
      // A failed checkout page is not a checkout; the conversion ratio is then exactly
      // CONVERSION_RATE whatever the error rate.
      checkoutsSeen += 1;
      metrics.checkouts.labels(config.version).inc();
      if (isSelected(checkoutsSeen, config.conversionRate)) metrics.conversions.labels(config.version).inc();
    }
    const code = fails ? 500 : 200;
    res.writeHead(code, { 'content-type': 'text/plain', 'x-version': config.version });
    res.end(fails ? 'simulated failure\n' : `ok from ${config.version}\n`);
    metrics.requests.labels(config.version, String(code)).inc();
    stopTimer();
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const served = path === '/metrics' ? serveMetrics(res) : serveApp(path, res);
    served.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`demo app error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  }

  return { handle, metrics };
}

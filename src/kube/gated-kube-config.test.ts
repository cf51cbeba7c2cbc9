import { createServer, type Server } from 'node:http';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { GatedKubeConfig } from './gated-kube-config.ts';
import { kubeConfigFor } from '../../test/support/loopback-kube-config.ts';
import { FlowControlAwareLimit, flowSchemaHeader } from './flow-control-limit.ts';
import { ServerBackoff } from './server-backoff.ts';
import { TokenBucket } from './token-bucket.ts';

/** A KubeConfig for a local plain-HTTP test server, once it listens. */
async function listening(server: Server): Promise<KubeConfig> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return kubeConfigFor(server);
}

// A 429 with Retry-After: 1 holds the client's next request (any API client made from the same
// config) for a second, as client-go does; without a serverBackoff nothing waits.
describe('GatedKubeConfig and Retry-After', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const overloadedOnce = async () => {
    const arrivals: number[] = [];
    server = createServer((_req, res) => {
      arrivals.push(performance.now());
      if (arrivals.length === 1) {
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","code":429}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}');
    });
    return { kc: await listening(server), arrivals };
  };

  it('holds the next request for the Retry-After of a 429', async () => {
    const { kc, arrivals } = await overloadedOnce();
    const backoff = new ServerBackoff();
    const gated = new GatedKubeConfig(kc, { serverBackoff: backoff });
    await expect(gated.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 429 });
    // another client of the same config: the hold is the server's, not one client's
    await gated.makeApiClient(CoreV1Api).listNamespace();
    expect(backoff.holds).toBe(1);
    expect((arrivals[1] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('does not hold without a serverBackoff', async () => {
    const { kc, arrivals } = await overloadedOnce();
    const gated = new GatedKubeConfig(kc, {});
    await expect(gated.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 429 });
    await gated.makeApiClient(CoreV1Api).listNamespace();
    expect(arrivals).toHaveLength(2);
  });
});

// The default limit is lifted by the first response of a server that runs API Priority and
// Fairness: the flow schema header reaches the limiter from every API client of the config.
describe('GatedKubeConfig and API Priority and Fairness', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const serverWith = async (headers: Record<string, string>) => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
      res.end('{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}');
    });
    return listening(server);
  };
  const limitOf = () => new FlowControlAwareLimit(new TokenBucket({ qps: 1, burst: 5 }));

  it('lifts the default limit when the server answers with a flow schema', async () => {
    const limit = limitOf();
    const gated = new GatedKubeConfig(await serverWith({ [flowSchemaHeader]: 'uid-1' }), { limiter: limit });
    await gated.makeApiClient(CoreV1Api).listNamespace();
    expect(limit.limited).toBe(false);
  });

  it('keeps it for a server without APF', async () => {
    const limit = limitOf();
    const gated = new GatedKubeConfig(await serverWith({}), { limiter: limit });
    await gated.makeApiClient(CoreV1Api).listNamespace();
    expect(limit.limited).toBe(true);
  });
});

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

// A 429 with Retry-After: 1 holds the client's requests (any API client made from the same
// config) for a second and is sent again then, as client-go does; without a serverBackoff nothing
// waits and nothing is sent again.
describe('GatedKubeConfig and Retry-After', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A server answering the first `refusals` requests with `status` (and Retry-After unless null). */
  const refusing = async (refusals: number, status = 429, retryAfter: string | null = '1') => {
    const arrivals: { at: number; body: string }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        arrivals.push({ at: performance.now(), body });
        if (arrivals.length <= refusals) {
          res.writeHead(status, {
            'Content-Type': 'application/json',
            ...(retryAfter === null ? {} : { 'Retry-After': retryAfter }),
          });
          res.end(`{"kind":"Status","apiVersion":"v1","status":"Failure","code":${String(status)}}`);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          req.method === 'POST'
            ? body
            : '{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}',
        );
      });
    });
    return { kc: await listening(server), arrivals };
  };

  it('sends a request refused with 429 again once the Retry-After has passed, counting each attempt', async () => {
    const { kc, arrivals } = await refusing(1);
    const backoff = new ServerBackoff();
    let requests = 0;
    const gated = new GatedKubeConfig(kc, { serverBackoff: backoff, onRequest: () => requests++ });
    await gated.makeApiClient(CoreV1Api).listNamespace();
    expect(arrivals).toHaveLength(2);
    expect(requests).toBe(2);
    expect(backoff.holds).toBe(1);
    expect((arrivals[1]?.at ?? 0) - (arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('sends a write again with the same body, and a 503 with Retry-After too', async () => {
    const { kc, arrivals } = await refusing(1, 503, '0');
    const gated = new GatedKubeConfig(kc, { serverBackoff: new ServerBackoff() });
    const created = await gated
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'n1' } } });
    expect(created.metadata?.name).toBe('n1');
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]?.body).toBe(arrivals[0]?.body);
  });

  it('gives up after 10 retries and fails with the last refusal', async () => {
    const { kc, arrivals } = await refusing(100, 429, '0');
    const gated = new GatedKubeConfig(kc, { serverBackoff: new ServerBackoff() });
    await expect(gated.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 429 });
    expect(arrivals).toHaveLength(11);
  });

  it('does not send again a 5xx without Retry-After, nor anything without a serverBackoff', async () => {
    const plain = await refusing(1, 500, null);
    const gated = new GatedKubeConfig(plain.kc, { serverBackoff: new ServerBackoff() });
    await expect(gated.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 500 });
    expect(plain.arrivals).toHaveLength(1);
    await new Promise((resolve) => server?.close(resolve));

    const { kc, arrivals } = await refusing(1);
    const ungated = new GatedKubeConfig(kc, {});
    await expect(ungated.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 429 });
    await ungated.makeApiClient(CoreV1Api).listNamespace();
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

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { ResilientInformer } from './informer.ts';

// An API server that lists fine but answers every watch 429: the informer must back off (1s,
// 2s, 4s...), not retry every second as it did when the library's early "connect" reset it.
describe('ResilientInformer under a server that refuses watches', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('backs off exponentially between watch attempts', async () => {
    let watches = 0;
    server = createServer((req, res) => {
      if (req.url?.includes('watch=true')) watches++;
      res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
      res.end('{"kind":"Status","code":429}');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const informer = new ResilientInformer<KubernetesObject>(
      kc,
      {
        name: 'things',
        path: '/api/v1/things',
        list: () => Promise.resolve({ metadata: { resourceVersion: '1' }, items: [] }),
      },
      () => undefined,
      createLogger('error'),
    );
    await informer.start();
    await new Promise((resolve) => setTimeout(resolve, 6500));
    await informer.stop();
    // attempts at about 0, 1, 3 s (then 7 s): one a second would be 7
    expect(watches).toBeGreaterThanOrEqual(2);
    expect(watches).toBeLessThanOrEqual(4);
  }, 20_000);
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { kubeConfigFor } from '../../test/support/loopback-kube-config.ts';
import { ResilientInformer } from './informer.ts';

// An API server that lists fine but answers every watch 429: the informer must back off (1s,
// 2s, 4s...), not retry every second as it did when the library's early "connect" reset it.
describe('ResilientInformer under a server that refuses watches', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
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

  it('closes a watch that a restart opened after stop() began', async () => {
    let watchesSeen = 0;
    let openWatches = 0;
    let answer: (() => void) | undefined;
    server = createServer((req, res) => {
      if (!req.url?.includes('watch=true')) return;
      watchesSeen++;
      if (watchesSeen === 1) {
        res.writeHead(429, { 'Content-Type': 'application/json' });
        res.end('{"kind":"Status","code":429}');
        return;
      }
      // the restart's watch: answered only once stop() has begun, then held open
      answer = () => {
        openWatches++;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
      };
      req.on('close', () => openWatches--);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const informer = new ResilientInformer<KubernetesObject>(
      kubeConfigFor(server),
      {
        name: 'things',
        path: '/api/v1/things',
        list: () => Promise.resolve({ metadata: { resourceVersion: '1' }, items: [] }),
      },
      () => undefined,
      createLogger('error'),
    );
    await informer.start();
    while (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = informer.stop();
    answer();
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watchesSeen).toBe(2);
    expect(openWatches).toBe(0);
  }, 20_000);
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Routes = Record<string, () => Promise<{ status: number; body: string; contentType?: string }>>;

/** A tiny HTTP server for probes and metrics; resolves once listening, with the bound port. */
export async function serve(
  addr: { host: string | undefined; port: number },
  routes: Routes,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes[path] : undefined;
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    route().then(
      ({ status, body, contentType }) => {
        res.writeHead(status, { 'Content-Type': contentType ?? 'text/plain' }).end(body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * `/healthz`: 200 while the process runs. `/readyz`: 200 once the caches are synced and, for
 * the leader, the workers run; a standby is ready with synced caches (it can take over at once).
 */
export function healthRoutes(state: {
  synced(): boolean;
  leader(): boolean;
  workersRunning(): boolean;
}): Routes {
  return {
    '/healthz': () => Promise.resolve({ status: 200, body: 'ok\n' }),
    '/readyz': () => {
      const problems: string[] = [];
      if (!state.synced()) problems.push('caches not synced');
      if (state.leader() && !state.workersRunning()) problems.push('leader without running workers');
      return Promise.resolve(
        problems.length ? { status: 503, body: `${problems.join('; ')}\n` } : { status: 200, body: 'ok\n' },
      );
    },
  };
}

import type { Server } from 'node:http';
import { boundPort } from '../../controller/health-server.ts';
import { ensureWebBundle } from '../../dashboard/ensure-bundle.ts';
import {
  KubeconfigAuthenticator,
  TokenAuthenticator,
  type Authenticator,
} from '../../dashboard/auth/authenticator.ts';
import { createDashboardServer } from '../../dashboard/server.ts';
import { StaticFiles } from '../../dashboard/static-files.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { createLogger, isLevel } from '../../log.ts';
import { clusterFlags, parseAddr, parseFlags, UsageError } from '../flags.ts';

export const dashboardUsage = `Usage: bellwether dashboard [--addr 127.0.0.1:3100] [--auth kubeconfig|token] [flags]

Serves the web dashboard: every Rollout, one Rollout's steps, traffic, analysis and events, live,
and the operator actions (promote, abort, ...), each acting as the signed-in user.

  --addr HOST:PORT      where to listen (default 127.0.0.1:3100)
  --auth kubeconfig     act with the kubeconfig's credentials (default outside a cluster); only on
                        a loopback address, since anyone reaching it would act as you
  --auth token          act as each user: bearer token from the sign-in proxy (X-Forwarded-Access-Token
                        or Authorization) or pasted at login, checked by TokenReview, actions by
                        SubjectAccessReview (default in a cluster; see deploy/dashboard/)
  --insecure-cookies    session cookies without Secure (token mode served over plain HTTP, e.g. tests)
  --log-level LEVEL     debug, info, warn, error (default info)
  --kubeconfig, --context  as kubectl`;

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/** `bellwether dashboard`: runs until SIGINT/SIGTERM. */
export async function dashboardCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      ...clusterFlags,
      addr: { type: 'string', default: '127.0.0.1:3100' },
      auth: { type: 'string' },
      'insecure-cookies': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
    'dashboard',
  );
  const level = values['log-level'];
  if (!isLevel(level))
    throw new UsageError(`dashboard: --log-level: "${level}" is not debug, info, warn or error`);
  const inCluster = !values.kubeconfig && !process.env.KUBECONFIG && !!process.env.KUBERNETES_SERVICE_HOST;
  const mode = values.auth ?? (inCluster ? 'token' : 'kubeconfig');
  if (mode !== 'kubeconfig' && mode !== 'token')
    throw new UsageError(`dashboard: --auth: "${mode}" is not kubeconfig or token`);
  const addr = parseAddr(values.addr, 'addr');
  if (mode === 'kubeconfig' && !loopback.has(addr.host ?? '')) {
    throw new UsageError(
      `dashboard: --addr ${values.addr}: with --auth kubeconfig anyone who reaches the dashboard acts with your credentials; listen on 127.0.0.1 or use --auth token`,
    );
  }
  const log = createLogger(level, { component: 'dashboard' });
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const auth: Authenticator = mode === 'token' ? new TokenAuthenticator(kc) : new KubeconfigAuthenticator(kc);
  ensureWebBundle();
  const server = createDashboardServer({
    auth,
    files: new StaticFiles(),
    log,
    secureCookies: mode === 'token' && !values['insecure-cookies'],
    ...(mode === 'kubeconfig' ? { allowedHosts: loopback } : {}),
  });
  await listen(server, addr);
  const url = `http://${addr.host?.includes(':') ? `[${addr.host}]` : (addr.host ?? '0.0.0.0')}:${boundPort(server)}`;
  log.info('dashboard listening', { url, auth: mode });
  process.stdout.write(`bellwether dashboard: ${url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return 0;
}

function listen(server: Server, addr: { host: string | undefined; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

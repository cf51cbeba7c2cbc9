import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SeededRandom } from './seeded-random.ts';

/**
 * A test-only loopback proxy in front of the kube-apiserver that injects overload: a share of
 * requests answered 429 or 503 (both with Retry-After, which the controller's client sends again
 * after) or 500 (without, which it does not) without reaching the server, and a share held
 * for `slowMs` before they are forwarded. Watches are forwarded untouched once they pass (their
 * stream is piped), so informers see the same faults at (re)connect time only. Faults are
 * seeded; `set()` changes them while it runs (e.g. off, to watch the recovery).
 *
 * It also measures the client: the arrival time of every request (`arrivals`, for request rates)
 * and how many arrived while a Retry-After it had sent was still running (`duringHold`), after a
 * grace for requests already on their way when the fault was answered.
 */
export interface Faults {
  /** Share of requests answered 429 Too Many Requests (Retry-After: 1). */
  tooMany: number;
  /** Share answered 503 Service Unavailable (Retry-After too). */
  unavailable: number;
  /** Share answered 500 Internal Server Error, without Retry-After. */
  failing?: number;
  /** Share delayed by slowMs before being forwarded. */
  slow: number;
  slowMs: number;
  /** Retry-After sent with 429 and 503, seconds (default 1). */
  retryAfterSeconds?: number;
}

/** Requests this soon after a fault answer were already on their way: not counted as ignoring it. */
const holdGraceMs = 500;

export class FaultProxy {
  private server: Server | undefined;
  private faults: Faults;
  private readonly random: SeededRandom;
  readonly counts = { forwarded: 0, tooMany: 0, unavailable: 0, failing: 0, slow: 0, duringHold: 0 };
  /** performance.now() of every request's arrival. */
  readonly arrivals: number[] = [];
  private lastHoldAt = -Infinity;
  private holdUntil = -Infinity;

  constructor(
    private readonly target: { host: string; port: number; ca: Buffer },
    faults: Faults,
    seed = 1,
  ) {
    this.faults = faults;
    this.random = new SeededRandom(seed);
  }

  set(faults: Partial<Faults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = performance.now();
    this.arrivals.push(now);
    if (now > this.lastHoldAt + holdGraceMs && now < this.holdUntil) this.counts.duringHold++;
    const r = this.random.next();
    const { tooMany, unavailable, failing = 0, slow, slowMs, retryAfterSeconds = 1 } = this.faults;
    const status = (code: number, reason: string) => {
      if (code === 429 || code === 503) {
        this.lastHoldAt = performance.now();
        this.holdUntil = this.lastHoldAt + retryAfterSeconds * 1000;
      }
      const retryAfter = code === 500 ? {} : { 'Retry-After': String(retryAfterSeconds) };
      res.writeHead(code, { 'Content-Type': 'application/json', ...retryAfter });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code }));
    };
    if (r < tooMany) {
      this.counts.tooMany++;
      req.resume();
      status(429, 'TooManyRequests');
      return;
    }
    if (r < tooMany + unavailable) {
      this.counts.unavailable++;
      req.resume();
      status(503, 'ServiceUnavailable');
      return;
    }
    if (r < tooMany + unavailable + failing) {
      this.counts.failing++;
      req.resume();
      status(500, 'InternalError');
      return;
    }
    if (r < tooMany + unavailable + failing + slow) {
      this.counts.slow++;
      await new Promise((resolve) => setTimeout(resolve, slowMs));
    }
    this.counts.forwarded++;
    const upstream = httpsRequest(
      {
        host: this.target.host,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${this.target.host}:${String(this.target.port)}` },
        ca: this.target.ca,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // a watch sends its headers long before its first event: pass them on now, or the
        // client waits for them until something changes
        res.flushHeaders();
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) status(502, 'BadGateway');
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  /** Requests per second that arrived in [from, to) (performance.now() times). */
  rate(from: number, to: number): number {
    return this.arrivals.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * A FaultProxy in front of the cluster of `kubeconfig` (a token-authenticated one, as the local
 * plane writes), and a kubeconfig that goes through it, written to `path`.
 */
export async function proxyKubeconfig(
  kubeconfig: string,
  path: string,
  faults: Faults,
  seed: number,
): Promise<FaultProxy> {
  const config = JSON.parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = config.clusters[0]?.cluster;
  const url = new URL(cluster?.server ?? '');
  const proxy = new FaultProxy(
    {
      host: url.hostname,
      port: Number(url.port),
      ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64'),
    },
    faults,
    seed,
  );
  const server = await proxy.start();
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // plain HTTP to the proxy: the client needs insecure-skip-tls-verify to accept it
      clusters: [{ name: 'proxy', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'admin', user: { token: config.users[0]?.user.token ?? '' } }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'admin' } }],
      'current-context': 'proxy',
    }),
  );
  return proxy;
}

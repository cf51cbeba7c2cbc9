import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SeededRandom } from './seeded-random.ts';

/**
 * A test-only loopback proxy in front of the kube-apiserver that injects overload: a share of
 * requests answered 429 (with Retry-After) or 503 without reaching the server, and a share held
 * for `slowMs` before they are forwarded. Watches are forwarded untouched once they pass (their
 * stream is piped), so informers see the same faults at (re)connect time only. Faults are
 * seeded; `set()` changes them while it runs (e.g. off, to watch the recovery).
 */
export interface Faults {
  /** Share of requests answered 429 Too Many Requests (Retry-After: 1). */
  tooMany: number;
  /** Share answered 503 Service Unavailable. */
  unavailable: number;
  /** Share delayed by slowMs before being forwarded. */
  slow: number;
  slowMs: number;
}

export class FaultProxy {
  private server: Server | undefined;
  private faults: Faults;
  private readonly random: SeededRandom;
  readonly counts = { forwarded: 0, tooMany: 0, unavailable: 0, slow: 0 };

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
    const r = this.random.next();
    const { tooMany, unavailable, slow, slowMs } = this.faults;
    const status = (code: number, reason: string) => {
      res.writeHead(code, { 'Content-Type': 'application/json', 'Retry-After': '1' });
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
    if (r < tooMany + unavailable + slow) {
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

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Epoch ms when the request arrived. */
  at: number;
  /** The status this receiver answered. */
  status: number;
}

/**
 * A webhook receiver on 127.0.0.1, as a team's endpoint or Slack's would be: records every POST
 * and answers 200, or an error for paths told to fail their next requests.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly failures = new Map<string, number>();
  private readonly answers = new Map<string, unknown>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const path = req.url ?? '';
        const failing = this.failures.get(path) ?? 0;
        if (failing > 0) this.failures.set(path, failing - 1);
        const status = failing > 0 ? 500 : 200;
        let body: Record<string, unknown>;
        try {
          body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        } catch {
          body = { unparsed: text };
        }
        this.deliveries.push({ path, headers: req.headers, body, at: Date.now(), status });
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(this.answers.get(path) ?? {}));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  }

  /** The next `count` requests to `path` get HTTP 500. */
  failNext(path: string, count: number): void {
    this.failures.set(path, count);
  }

  /** What requests to `path` get as their JSON body (e.g. a metric for a web provider). */
  answer(path: string, body: unknown): void {
    this.answers.set(path, body);
  }

  /** Requests answered 2xx to paths starting with `prefix`, in arrival order. */
  accepted(prefix: string): Delivery[] {
    return this.deliveries.filter((d) => d.path.startsWith(prefix) && d.status < 300);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

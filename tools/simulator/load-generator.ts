import { Agent, request as httpRequest } from 'node:http';
import { requestsDue } from './pacing.ts';
import type { SimulatedRequest } from './routing.ts';

/** What the simulator sent to one version and how it was answered. */
export interface TrafficCounts {
  sent: number;
  /** 2xx answers. */
  ok: number;
  /** 5xx answers. */
  serverErrors: number;
  /** Other status codes. */
  otherStatus: number;
  /** No answer: connection refused or reset, or timed out. */
  failed: number;
  /** Copies of requests to other versions that a mirror rule sent here (answers discarded; not in `sent`). */
  mirrored: number;
}

/** Where one request goes, as the routing layer decided. */
export interface RoutedTarget {
  hash: string;
  address: string;
  /** Headers the routing layer adds to the answer (e.g. `set-cookie` for stickiness). */
  responseHeaders: readonly (readonly [string, string])[];
  /** Versions that get a copy of the request. */
  mirrors: readonly { hash: string; address: string }[];
}

export interface LoadGeneratorOptions {
  requestsPerSecond: number;
  /** The n-th request (1-based): path and headers. */
  request: (n: number) => SimulatedRequest;
  /** Which version gets a request and where it runs; undefined when none is running. */
  route: (request: SimulatedRequest) => RoutedTarget | undefined;
  /** The answer to the n-th request: the version and every `Set-Cookie` the client got (app and routing layer). */
  onAnswer?: (n: number, hash: string, setCookies: readonly string[]) => void;
  timeoutMs: number;
  /** Requests in flight beyond this are not sent (counted as skipped): a stuck app must not pile up sockets. */
  maxInFlight: number;
}

const tickMs = 20;

const noop = () => undefined;

/**
 * An open-loop client: requests leave at a fixed rate whether or not earlier ones were
 * answered, as real users' requests do, so a slow version gets the same share of traffic.
 */
export class LoadGenerator {
  // Sockets up to the in-flight limit: queueing in the agent would add client-side delay the apps never see.
  private readonly agent: Agent;
  private readonly perHash = new Map<string, TrafficCounts>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stoppedAt: number | undefined;
  // Pacing restarts from a new window when the rate changes.
  private windowStartedAt = 0;
  private pacedInWindow = 0;
  private requestsPerSecond: number;
  private numbered = 0;
  skipped = 0;
  unrouted = 0;

  constructor(private readonly options: LoadGeneratorOptions) {
    this.requestsPerSecond = options.requestsPerSecond;
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  }

  start(): void {
    this.startedAt = this.windowStartedAt = Date.now();
    this.timer = setInterval(() => {
      this.tick();
    }, tickMs);
  }

  setRequestsPerSecond(requestsPerSecond: number): void {
    this.windowStartedAt = Date.now();
    this.pacedInWindow = 0;
    this.requestsPerSecond = requestsPerSecond;
  }

  /** Stops sending and waits for the requests in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stoppedAt ??= Date.now();
    await Promise.all([...this.inFlight]);
    this.agent.destroy();
  }

  counts(): Map<string, TrafficCounts> {
    return new Map([...this.perHash].map(([hash, c]) => [hash, { ...c }]));
  }

  /** Milliseconds between start and stop (or now). */
  elapsedMs(): number {
    return this.startedAt === 0 ? 0 : (this.stoppedAt ?? Date.now()) - this.startedAt;
  }

  private tick(): void {
    const due = requestsDue({
      elapsedMs: Date.now() - this.windowStartedAt,
      requestsPerSecond: this.requestsPerSecond,
      alreadyPaced: this.pacedInWindow,
      maxBurst: Math.max(1, Math.ceil(this.requestsPerSecond / 4)),
    });
    this.pacedInWindow += due.send + due.skipped;
    this.skipped += due.skipped;
    for (let i = 0; i < due.send; i++) this.sendOne();
  }

  private sendOne(): void {
    if (this.inFlight.size >= this.options.maxInFlight) {
      this.skipped += 1;
      return;
    }
    this.numbered += 1;
    const n = this.numbered;
    const request = this.options.request(n);
    const target = this.options.route(request);
    if (!target) {
      this.unrouted += 1;
      return;
    }
    for (const mirror of target.mirrors) {
      this.countsOf(mirror.hash).mirrored += 1;
      this.track(this.send(mirror.address, request).then(noop, noop));
    }
    const counts = this.countsOf(target.hash);
    counts.sent += 1;
    const fromRouter = target.responseHeaders
      .filter(([name]) => name === 'set-cookie')
      .map(([, value]) => value);
    const done = this.send(target.address, request).then(
      ({ status, setCookies }) => {
        this.options.onAnswer?.(n, target.hash, [...setCookies, ...fromRouter]);
        if (status >= 200 && status < 300) counts.ok += 1;
        else if (status >= 500) counts.serverErrors += 1;
        else counts.otherStatus += 1;
      },
      () => {
        counts.failed += 1;
      },
    );
    this.track(done);
  }

  private track(done: Promise<void>): void {
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private countsOf(hash: string): TrafficCounts {
    let counts = this.perHash.get(hash);
    if (!counts) {
      counts = { sent: 0, ok: 0, serverErrors: 0, otherStatus: 0, failed: 0, mirrored: 0 };
      this.perHash.set(hash, counts);
    }
    return counts;
  }

  private send(
    address: string,
    request: SimulatedRequest,
  ): Promise<{ status: number; setCookies: string[] }> {
    const [host, port] = address.split(':');
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host,
          port: Number(port),
          method: request.method ?? 'GET',
          path: request.path,
          headers: request.headers,
          agent: this.agent,
        },
        (res) => {
          res.resume(); // the body is not needed, but must be read for the socket to be reused
          res.once('end', () => {
            resolve({ status: res.statusCode ?? 0, setCookies: res.headers['set-cookie'] ?? [] });
          });
          res.once('error', reject);
        },
      );
      req.setTimeout(this.options.timeoutMs, () => req.destroy(new Error('timeout')));
      req.once('error', reject);
      req.end();
    });
  }
}

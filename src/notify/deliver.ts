/**
 * One notification to one webhook: POST with a timeout, retried with exponential backoff and
 * jitter on network errors, timeouts, 5xx and 429; any other status is final. Errors say what
 * failed without the URL or headers (which may be secrets), and pass through `redact` anyway.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import axios from 'axios';
import type { DeliverySettings, WebhookService } from './config.ts';
import { retryAfterMs } from '../kube/server-backoff.ts';

export interface AttemptOutcome {
  ok: boolean;
  retryable: boolean;
  /** Human text without the URL, e.g. `HTTP 500`, `timed out after 5s`, `ECONNREFUSED`. */
  detail: string;
  /** A delay the receiver asked for (Retry-After), ms. */
  retryAfterMs?: number;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  detail: string;
}

export interface DeliverOptions {
  redact: (text: string) => string;
  /** Called after each failed attempt that will be retried, before waiting `delayMs`. */
  onRetry?: (r: { attempt: number; detail: string; delayMs: number }) => void;
  /** Stops waiting between attempts (shutdown); the delivery ends as failed. */
  signal?: AbortSignal;
  random?: () => number;
  /** More request headers, the same on every attempt (the notification id). */
  headers?: Readonly<Record<string, string>>;
}

const USER_AGENT = 'bellwether-notifications';

export async function postOnce(
  service: WebhookService,
  body: object,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<AttemptOutcome> {
  try {
    const response = await axios.post<string>(service.url, body, {
      timeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        ...headers,
        ...Object.fromEntries(service.headers.map((h) => [h.name, h.value])),
      },
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: 64 * 1024,
    });
    const status = response.status;
    if (status >= 200 && status < 300)
      return { ok: true, retryable: false, detail: `HTTP ${String(status)}` };
    const retryAfter = retryAfterMs(response.headers['retry-after']);
    return {
      ok: false,
      retryable: status >= 500 || status === 429,
      detail: `HTTP ${String(status)}`,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    };
  } catch (err) {
    return { ok: false, retryable: true, detail: networkError(err, timeoutMs) };
  }
}

/**
 * The wait after failed attempt `attempt` (1-based): initialBackoff doubled per attempt, capped
 * at maxBackoff, then "equal jitter" (half fixed, half random) so receivers that failed together
 * are not hit again together.
 */
export function backoffMs(
  attempt: number,
  settings: DeliverySettings,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export async function deliver(
  service: WebhookService,
  body: object,
  settings: DeliverySettings,
  options: DeliverOptions,
): Promise<DeliveryResult> {
  let last: AttemptOutcome = { ok: false, retryable: true, detail: 'not attempted' };
  for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
    last = await postOnce(service, body, settings.timeoutMs, options.headers);
    if (last.ok) return { ok: true, attempts: attempt, detail: last.detail };
    if (!last.retryable || attempt === settings.maxAttempts) {
      return { ok: false, attempts: attempt, detail: options.redact(last.detail) };
    }
    const delayMs = Math.min(
      settings.maxBackoffMs,
      last.retryAfterMs ?? backoffMs(attempt, settings, options.random),
    );
    options.onRetry?.({ attempt, detail: options.redact(last.detail), delayMs });
    try {
      await sleepFor(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return { ok: false, attempts: attempt, detail: `${options.redact(last.detail)}; shutting down` };
    }
  }
  return { ok: false, attempts: settings.maxAttempts, detail: options.redact(last.detail) };
}

/** The kind of network failure, never the request (its URL may be a secret). */
function networkError(err: unknown, timeoutMs: number): string {
  if (axios.isAxiosError(err)) {
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED')
      return `timed out after ${String(timeoutMs / 1000)}s`;
    return err.code ?? 'request failed';
  }
  return 'request failed';
}

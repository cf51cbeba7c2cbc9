import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliverySettings, WebhookService } from './config.ts';
import { backoffMs, deliver } from './deliver.ts';

// A real local HTTP server: each test scripts its answers in `replies`.
interface Received {
  at: number;
  body: unknown;
  headers: IncomingMessage['headers'];
  url: string;
}
let server: Server;
let base = '';
let received: Received[] = [];
let replies: (number | 'hang' | { status: number; retryAfter: string })[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({
        at: Date.now(),
        body: JSON.parse(text) as unknown,
        headers: req.headers,
        url: req.url ?? '',
      });
      const reply = replies.shift() ?? 200;
      if (reply === 'hang') return; // never answers: the client's timeout must end it
      const { status, retryAfter } =
        typeof reply === 'number' ? { status: reply, retryAfter: undefined } : reply;
      res.writeHead(status, retryAfter ? { 'Retry-After': retryAfter } : {});
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  replies = [];
});

const settings: DeliverySettings = {
  timeoutMs: 1000,
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 1000,
};
const service = (path = '/hook/T0KEN-123'): WebhookService => ({
  name: 'team',
  url: `${base}${path}`,
  format: 'json',
  headers: [{ name: 'Authorization', value: 'Bearer s3cr3t' }],
});
const mask = (text: string) => text.replaceAll('T0KEN-123', '*****').replaceAll('s3cr3t', '*****');
const half = () => 0.5;

describe('deliver', () => {
  it('POSTs the JSON body with the configured headers', async () => {
    const result = await deliver(service(), { hello: 'world' }, settings, { redact: mask });
    expect(result).toEqual({ ok: true, attempts: 1, detail: 'HTTP 200' });
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toEqual({ hello: 'world' });
    expect(received[0]?.url).toBe('/hook/T0KEN-123');
    expect(received[0]?.headers.authorization).toBe('Bearer s3cr3t');
    expect(received[0]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('retries 5xx with exponential backoff and stops at the first success', async () => {
    replies = [500, 503, 200];
    const retries: { attempt: number; detail: string; delayMs: number }[] = [];
    const result = await deliver(service(), { n: 1 }, settings, {
      redact: mask,
      random: half,
      onRetry: (r) => retries.push(r),
    });
    expect(result).toEqual({ ok: true, attempts: 3, detail: 'HTTP 200' });
    expect(retries).toEqual([
      { attempt: 1, detail: 'HTTP 500', delayMs: 75 },
      { attempt: 2, detail: 'HTTP 503', delayMs: 150 },
    ]);
    const gaps = received.slice(1).map((r, i) => r.at - (received[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(70);
    expect(gaps[1]).toBeGreaterThanOrEqual(145);
  });

  it('gives up after maxAttempts, and does not retry a 4xx', async () => {
    replies = [500, 500, 500, 500, 500];
    expect(await deliver(service(), {}, settings, { redact: mask, random: half })).toEqual({
      ok: false,
      attempts: 4,
      detail: 'HTTP 500',
    });
    replies = [404];
    received = [];
    expect(await deliver(service(), {}, settings, { redact: mask })).toEqual({
      ok: false,
      attempts: 1,
      detail: 'HTTP 404',
    });
    expect(received).toHaveLength(1);
  });

  it('honours Retry-After on 429, capped at maxBackoff', async () => {
    replies = [{ status: 429, retryAfter: '30' }, 200];
    const delays: number[] = [];
    const result = await deliver(
      service(),
      {},
      { ...settings, maxBackoffMs: 200 },
      {
        redact: mask,
        onRetry: (r) => delays.push(r.delayMs),
      },
    );
    expect(result.ok).toBe(true);
    expect(delays).toEqual([200]);
  });

  it('times out a receiver that never answers; errors never name the URL or headers', async () => {
    replies = ['hang', 'hang'];
    const result = await deliver(
      service(),
      {},
      { ...settings, timeoutMs: 200, maxAttempts: 2 },
      {
        redact: mask,
        random: half,
      },
    );
    expect(result).toEqual({ ok: false, attempts: 2, detail: 'timed out after 0.2s' });
    const refused = await deliver(
      { ...service(), url: 'http://127.0.0.1:1/hook/T0KEN-123' },
      {},
      { ...settings, maxAttempts: 1 },
      { redact: mask },
    );
    expect(refused.detail).toBe('ECONNREFUSED');
  });

  it('stops waiting between attempts when shutting down', async () => {
    replies = [500, 200];
    const stop = new AbortController();
    const pending = deliver(
      service(),
      {},
      { ...settings, initialBackoffMs: 10_000, maxBackoffMs: 10_000 },
      {
        redact: mask,
        signal: stop.signal,
        onRetry: () => {
          stop.abort();
        },
      },
    );
    expect(await pending).toEqual({ ok: false, attempts: 1, detail: 'HTTP 500; shutting down' });
  });
});

describe('backoffMs', () => {
  it('doubles from initialBackoff, caps at maxBackoff, jitters within [d/2, d]', () => {
    const s = { ...settings, initialBackoffMs: 1000, maxBackoffMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, s, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000,
    ]);
    expect([1, 2, 6].map((a) => backoffMs(a, s, () => 0))).toEqual([500, 1000, 15_000]);
  });
});

import type { ServerResponse } from 'node:http';

export interface SseChannel {
  send(data: unknown): void;
  /** Runs once when the client goes away (or the server ends the stream). */
  onClose(handler: () => void): void;
  close(): void;
}

/**
 * Server-sent events on one response: each message is one JSON `data:` line; a comment every 15s
 * keeps proxies from closing an idle stream. The browser's EventSource reconnects by itself.
 */
export function openSse(res: ServerResponse): SseChannel {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // nginx and similar proxies buffer responses unless told not to
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const handlers: (() => void)[] = [];
  let closed = false;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const handler of handlers) handler();
  };
  res.on('close', finish);
  return {
    send(data) {
      if (!closed) res.write(`data: ${JSON.stringify(data)}\n\n`);
    },
    onClose(handler) {
      handlers.push(handler);
    },
    close() {
      finish();
      res.end();
    },
  };
}

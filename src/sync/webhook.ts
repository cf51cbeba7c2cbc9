/**
 * `--webhook-addr`: a small HTTP endpoint that makes the sync poll at once. For `bellwether sync`
 * any POST triggers; the sync controller routes `POST /gitsources/<namespace>/<name>` to that one
 * GitSource (404 for any other path). A GitHub push payload for another branch is ignored. With a secret (BELLWETHER_WEBHOOK_SECRET),
 * the request must carry GitHub's `X-Hub-Signature-256` HMAC of the body. The poll itself still
 * fetches from Git: the payload is a hint, never trusted content.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

const MAX_BODY = 1024 * 1024;

/** Whether a push payload is for `branch` (payloads that are not GitHub pushes always are). Pure. */
export function concernsBranch(body: string, branch: string): boolean {
  try {
    const payload = JSON.parse(body) as { ref?: unknown };
    if (typeof payload.ref !== 'string') return true;
    return payload.ref === `refs/heads/${branch}`;
  } catch {
    return true;
  }
}

/** GitHub's `sha256=<hex>` signature check. Pure. */
export function validSignature(body: string, secret: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function parseAddr(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(':');
  const host = colon <= 0 ? '0.0.0.0' : addr.slice(0, colon);
  const port = Number(addr.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--webhook-addr ${addr}: expected HOST:PORT or :PORT`);
  }
  return { host, port };
}

/** The branch a request path stands for; undefined: no such target (404). */
export type WebhookRoute = (path: string) => string | undefined;

export function startWebhook(
  addr: string,
  branch: string | WebhookRoute,
  trigger: (reason: string, path: string) => void,
  secret: string | undefined = process.env.BELLWETHER_WEBHOOK_SECRET,
): Promise<Server> {
  const { host, port } = parseAddr(addr);
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(req.url === '/healthz' ? 200 : 405).end();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
      if (body.length > MAX_BODY) req.destroy();
    });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const target = typeof branch === 'string' ? branch : branch(path);
    req.on('end', () => {
      if (target === undefined) {
        res.writeHead(404).end('no such source\n');
        return;
      }
      const signature = req.headers['x-hub-signature-256'];
      if (secret && !validSignature(body, secret, Array.isArray(signature) ? signature[0] : signature)) {
        res.writeHead(401).end('bad signature\n');
        return;
      }
      if (!concernsBranch(body, target)) {
        res.writeHead(202).end('ignored: another branch\n');
        return;
      }
      trigger(String(req.headers['x-github-event'] ?? 'webhook'), path);
      res.writeHead(202).end('poll triggered\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve(server);
    });
  });
}

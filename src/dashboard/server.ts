import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import { describeError } from '../log.ts';
import { isGroupOperation } from '../operations/group-operations.ts';
import { isOperation } from '../operations/rollout-operations.ts';
import { runAction } from './actions.ts';
import { runGroupAction } from './group-actions.ts';
import { sessionCookie, type Authenticator } from './auth/authenticator.ts';
import { CsrfTokens } from './auth/csrf.ts';
import type { Identity } from './auth/identity.ts';
import { HttpError, readJson, securityHeaders, sendJson } from './http-util.ts';
import type { StaticFiles } from './static-files.ts';
import { streamRolloutDetail } from './streams/rollout-detail-stream.ts';
import { streamGroupDetail } from './streams/group-detail-stream.ts';
import { groupList, rolloutList, streamList } from './streams/list-stream.ts';
import { openSse } from './streams/sse.ts';
import type { WhoAmI } from './view/types.ts';

export interface DashboardOptions {
  auth: Authenticator;
  files: StaticFiles;
  log: Logger;
  /** Mark the session cookie Secure (served over HTTPS, directly or by a proxy). */
  secureCookies: boolean;
  /** Only these Host header names are served (DNS rebinding); undefined = any. */
  allowedHosts?: ReadonlySet<string>;
}

const name = '[a-z0-9]([-a-z0-9.]*[a-z0-9])?';
const detailStream = new RegExp(`^/api/stream/rollouts/(${name})/(${name})$`);
const groupStream = new RegExp(`^/api/stream/rolloutgroups/(${name})/(${name})$`);
const actionPath = new RegExp(`^/api/(rollouts|rolloutgroups)/(${name})/(${name})/([a-z-]+)$`);

/**
 * The dashboard's HTTP API and page. Every /api request is identified first (401 without an
 * identity), then acts with the identity's own credentials; writes also need the CSRF token and
 * a same-origin Origin, and pass an access review before the patch (403).
 */
export function createDashboardServer(options: DashboardOptions): Server {
  const { auth, files, log } = options;
  const csrf = new CsrfTokens();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    requireAllowedHost(req, options.allowedHosts);
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (!path.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method not allowed');
      files.serve(path, req.headers['accept-encoding'] ?? '', res, securityHeaders);
      return;
    }
    if (method === 'POST') requireSameOrigin(req);
    if (path === '/api/login' && method === 'POST') return login(req, res);
    if (path === '/api/logout' && method === 'POST') {
      auth.logout(req);
      sendJson(res, 200, { ok: true }, { 'Set-Cookie': cookie('', 0) });
      return;
    }
    const identity = await auth.identify(req);
    if (!identity) {
      sendJson(res, 401, {
        error: 'not authenticated',
        login: auth.mode === 'token' ? 'paste a token at /, or come through the sign-in proxy' : undefined,
      });
      return;
    }
    if (method === 'GET') return get(identity, path, url, res);
    if (method !== 'POST') throw new HttpError(405, 'method not allowed');
    if (!csrf.valid(identity.key, header(req, 'x-csrf-token')))
      throw new HttpError(403, 'missing or wrong CSRF token');
    await postAction(auth, log, identity, path, req, res);
  };

  const get = async (identity: Identity, path: string, url: URL, res: ServerResponse) => {
    if (path === '/api/whoami') {
      const body: WhoAmI = {
        username: identity.username,
        groups: identity.groups,
        mode: auth.mode,
        via: identity.via,
        csrf: csrf.tokenFor(identity.key),
      };
      sendJson(res, 200, body);
      return;
    }
    if (path === '/api/stream/rollouts' || path === '/api/stream/rolloutgroups') {
      const namespace = url.searchParams.get('namespace') || undefined;
      if (namespace !== undefined && !new RegExp(`^${name}$`).test(namespace))
        throw new HttpError(400, 'namespace: not a namespace name');
      const channel = openSse(res);
      if (path === '/api/stream/rollouts')
        await streamList(rolloutList, channel, identity, auth, namespace, log);
      else await streamList(groupList, channel, identity, auth, namespace, log);
      return;
    }
    const detail = detailStream.exec(path);
    if (detail?.[1] && detail[3]) {
      await streamRolloutDetail(openSse(res), identity, auth, detail[1], detail[3], log);
      return;
    }
    const groupDetail = groupStream.exec(path);
    if (groupDetail?.[1] && groupDetail[3]) {
      await streamGroupDetail(openSse(res), identity, auth, groupDetail[1], groupDetail[3], log);
      return;
    }
    throw new HttpError(404, 'not found');
  };

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    if (auth.mode !== 'token') throw new HttpError(404, 'this dashboard uses the kubeconfig: no login');
    const body = await readJson(req);
    if (typeof body.token !== 'string' || !body.token.trim()) throw new HttpError(400, 'token: required');
    const session = await auth.login(body.token);
    if (!session) {
      sendJson(res, 401, { error: 'the API server did not accept this token' });
      return;
    }
    log.info('login', { user: session.identity.username });
    sendJson(
      res,
      200,
      { username: session.identity.username },
      { 'Set-Cookie': cookie(session.sessionId, 8 * 3600) },
    );
  };

  const cookie = (value: string, maxAge: number) =>
    `${sessionCookie}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${options.secureCookies ? '; Secure' : ''}`;

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error('request failed', { path: req.url, error: describeError(err) });
      if (res.headersSent) {
        res.end();
        return;
      }
      sendJson(res, status, { error: err instanceof HttpError ? err.message : describeError(err) });
    });
  });
}

/** POST /api/rollouts/NS/NAME/ACTION or /api/rolloutgroups/NS/NAME/ACTION: one operator action, as the identity. */
async function postAction(
  auth: Authenticator,
  log: Logger,
  identity: Identity,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const action = actionPath.exec(path);
  const [, kind, namespace, , objectName, , operation] = action ?? [];
  if (!kind || !namespace || !objectName || !operation) throw new HttpError(404, 'not found');
  if (kind === 'rolloutgroups') {
    if (!isGroupOperation(operation)) throw new HttpError(404, `unknown group action "${operation}"`);
    const result = await runGroupAction(auth, identity, { namespace, name: objectName }, operation);
    log.info('action', {
      user: identity.username,
      action: operation,
      rolloutGroup: `${namespace}/${objectName}`,
      status: result.status,
    });
    sendJson(res, result.status, { message: result.message });
    return;
  }
  if (!isOperation(operation)) throw new HttpError(404, `unknown action "${operation}"`);
  const body = await readJson(req);
  const toRevision = body.toRevision;
  if (
    toRevision !== undefined &&
    (typeof toRevision !== 'number' || !Number.isInteger(toRevision) || toRevision < 1)
  )
    throw new HttpError(400, 'toRevision: not a revision number');
  const target = { namespace, name: objectName };
  const options = toRevision === undefined ? {} : { toRevision };
  const result = await runAction(auth, identity, target, operation, options, new Date());
  log.info('action', {
    user: identity.username,
    action: operation,
    rollout: `${target.namespace}/${target.name}`,
    status: result.status,
  });
  sendJson(res, result.status, { message: result.message });
}

/** Refuses Host names not served here (DNS rebinding against a dashboard on 127.0.0.1). */
function requireAllowedHost(req: IncomingMessage, allowed: ReadonlySet<string> | undefined): void {
  const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (allowed && !allowed.has(hostName)) throw new HttpError(421, `host "${hostName}" is not served here`);
}

function header(req: IncomingMessage, key: string): string | undefined {
  const value = req.headers[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Writes must come from the dashboard's own page: a browser always sends Origin on a cross-site
 * POST, so one that names another host is refused (the CSRF token is the second check).
 */
function requireSameOrigin(req: IncomingMessage): void {
  const origin = header(req, 'origin');
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'bad Origin header');
  }
  const forwardedHost = header(req, 'x-forwarded-host');
  if (host !== req.headers.host && host !== forwardedHost)
    throw new HttpError(403, `cross-origin request from ${origin}`);
}

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthenticationV1Api, AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { withTimeout } from '../../kube/with-timeout.ts';
import type { Identity } from './identity.ts';
import { SessionStore } from './sessions.ts';
import { TtlCache } from './ttl-cache.ts';

/** What one RBAC check asks: may the user `verb` this resource? */
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/**
 * Turns a request into the identity it acts as, and answers RBAC questions for that identity. Two
 * kinds: the user's own kubeconfig (`bellwether dashboard` on a laptop) and bearer tokens of
 * signed-in users (in the cluster, behind an OIDC proxy or with a token pasted at login).
 */
export interface Authenticator {
  readonly mode: 'kubeconfig' | 'token';
  /** The request's identity, or undefined when it is not authenticated (answer 401). */
  identify(req: IncomingMessage): Promise<Identity | undefined>;
  /** Token mode: checks a pasted token and opens a session for it. */
  login(token: string): Promise<{ sessionId: string; identity: Identity } | undefined>;
  logout(req: IncomingMessage): void;
  can(identity: Identity, attributes: ResourceAttributes): Promise<boolean>;
}

export const sessionCookie = 'bellwether_session';
const reviewTimeoutMs = 5000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Every request acts as the kubeconfig's user; RBAC is asked with SelfSubjectAccessReviews. */
export class KubeconfigAuthenticator implements Authenticator {
  readonly mode = 'kubeconfig';
  private identity: Promise<Identity> | undefined;
  private readonly answers = new TtlCache<boolean>(15_000);

  constructor(private readonly kc: KubeConfig) {}

  identify(): Promise<Identity> {
    this.identity ??= this.whoAmI();
    return this.identity;
  }

  login(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  logout(): void {
    // nothing to end: the kubeconfig is the session
  }

  private async whoAmI(): Promise<Identity> {
    const fallback = this.kc.getCurrentUser()?.name ?? 'kubeconfig user';
    const review = await withTimeout('SelfSubjectReview', reviewTimeoutMs, () =>
      this.kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} }),
    ).catch(() => undefined);
    const user = review?.status?.userInfo;
    return {
      username: user?.username ?? fallback,
      groups: user?.groups ?? [],
      kc: this.kc,
      key: sha256(`kubeconfig:${this.kc.getCurrentContext()}`),
      via: 'kubeconfig',
    };
  }

  async can(identity: Identity, attributes: ResourceAttributes): Promise<boolean> {
    const key = JSON.stringify(attributes);
    const cached = this.answers.get(key);
    if (cached !== undefined) return cached;
    const review = await withTimeout('SelfSubjectAccessReview', reviewTimeoutMs, () =>
      identity.kc
        .makeApiClient(AuthorizationV1Api)
        .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes } } }),
    );
    const allowed = review.status?.allowed === true;
    this.answers.set(key, allowed);
    return allowed;
  }
}

/**
 * Bearer tokens of signed-in users, from the OIDC proxy's header (X-Forwarded-Access-Token or
 * Authorization) or from a session opened by pasting a token at login. Each token is checked with
 * a TokenReview (answers cached 30s); reads and writes are made with the user's token, and buttons
 * and actions are decided by SubjectAccessReviews for the reviewed user. The dashboard's own
 * ServiceAccount (`serverKc`) needs only `create` on tokenreviews and subjectaccessreviews.
 */
export class TokenAuthenticator implements Authenticator {
  readonly mode = 'token';
  readonly sessions = new SessionStore();
  private readonly reviews = new TtlCache<Omit<Identity, 'kc' | 'via'> | null>(30_000);
  private readonly answers = new TtlCache<boolean>(15_000);

  constructor(private readonly serverKc: KubeConfig) {}

  async identify(req: IncomingMessage): Promise<Identity | undefined> {
    const header = bearerFromHeaders(req);
    if (header) return this.review(header, 'header');
    const sessionId = cookies(req)[sessionCookie];
    const token = sessionId ? this.sessions.token(sessionId) : undefined;
    return token ? this.review(token, 'session') : undefined;
  }

  async login(token: string): Promise<{ sessionId: string; identity: Identity } | undefined> {
    const identity = await this.review(token.trim(), 'session');
    return identity ? { sessionId: this.sessions.create(token.trim()), identity } : undefined;
  }

  logout(req: IncomingMessage): void {
    const sessionId = cookies(req)[sessionCookie];
    if (sessionId) this.sessions.delete(sessionId);
  }

  private async review(token: string, via: Identity['via']): Promise<Identity | undefined> {
    if (!token) return undefined;
    const key = sha256(token);
    let user = this.reviews.get(key);
    if (user === undefined) {
      const review = await withTimeout('TokenReview', reviewTimeoutMs, () =>
        this.serverKc.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token } } }),
      );
      const info = review.status?.authenticated ? review.status.user : undefined;
      user = info?.username
        ? {
            username: info.username,
            groups: info.groups ?? [],
            ...(info.uid ? { uid: info.uid } : {}),
            ...(info.extra ? { extra: info.extra } : {}),
            key,
          }
        : null;
      this.reviews.set(key, user);
    }
    return user ? { ...user, kc: this.userKubeConfig(token), via } : undefined;
  }

  /** The dashboard's own cluster (server, CA), with the user's token as the credential. */
  private userKubeConfig(token: string): KubeConfig {
    const cluster = this.serverKc.getCurrentCluster();
    if (!cluster) throw new Error('dashboard kubeconfig has no current cluster');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'signed-in-user', token }],
      contexts: [{ name: 'signed-in-user', cluster: cluster.name, user: 'signed-in-user' }],
      currentContext: 'signed-in-user',
    });
    return kc;
  }

  async can(identity: Identity, attributes: ResourceAttributes): Promise<boolean> {
    const key = `${identity.key}:${JSON.stringify(attributes)}`;
    const cached = this.answers.get(key);
    if (cached !== undefined) return cached;
    const review = await withTimeout('SubjectAccessReview', reviewTimeoutMs, () =>
      this.serverKc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
        body: {
          spec: {
            user: identity.username,
            groups: identity.groups,
            ...(identity.uid ? { uid: identity.uid } : {}),
            ...(identity.extra ? { extra: identity.extra } : {}),
            resourceAttributes: attributes,
          },
        },
      }),
    );
    const allowed = review.status?.allowed === true;
    this.answers.set(key, allowed);
    return allowed;
  }
}

/** The token an authenticating proxy forwards (oauth2-proxy: X-Forwarded-Access-Token). */
export function bearerFromHeaders(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const forwarded = req.headers['x-forwarded-access-token'];
  if (typeof forwarded === 'string' && forwarded.trim()) return forwarded.trim();
  const authorization = req.headers.authorization;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

export function cookies(req: Pick<IncomingMessage, 'headers'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

import { randomBytes } from 'node:crypto';

/**
 * Tokens pasted at login, kept server-side: the browser holds only a random session id in an
 * HttpOnly cookie, so page scripts never see the token. Sessions end after `ttlMs` or at logout;
 * the token is still checked with a TokenReview on use, so a revoked token stops working at once.
 * In memory: a restarted dashboard asks users to log in again, which is the safe failure.
 */
export class SessionStore {
  private readonly sessions = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 8 * 3600_000,
    private readonly maxSessions = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(token: string): string {
    if (this.sessions.size >= this.maxSessions) {
      // Map keeps insertion order: drop the oldest session.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { token, expiresAt: this.now() + this.ttlMs });
    return id;
  }

  token(id: string): string | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session.token;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }
}

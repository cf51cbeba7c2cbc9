import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection for writes: a token derived from the identity with a per-process secret. The page
 * reads it from /api/whoami (same-origin only) and sends it in the X-CSRF-Token header; another
 * site can neither read it nor set custom headers on a cross-origin request without a CORS
 * preflight, which the dashboard never grants.
 */
export class CsrfTokens {
  private readonly secret = randomBytes(32);

  tokenFor(identityKey: string): string {
    return createHmac('sha256', this.secret).update(identityKey).digest('base64url');
  }

  valid(identityKey: string, presented: string | undefined): boolean {
    if (!presented) return false;
    const expected = Buffer.from(this.tokenFor(identityKey));
    const actual = Buffer.from(presented);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}

/**
 * OAuth2 client credentials grant (RFC 6749 section 4.4), as Argo Rollouts' `authentication.oauth2`
 * uses it for the Prometheus and web providers: POST `grant_type=client_credentials` (with
 * `client_id`, `client_secret` and `scope` as a space-separated list) form-encoded to `tokenUrl`,
 * read `access_token` from the JSON reply, send it as `Authorization: Bearer`. Tokens are kept
 * until 30 s before `expires_in` runs out (no expiry: reused for 5 minutes), per token URL, client
 * and scopes. The secret never appears in errors.
 */
import type { OAuth2Config } from '../../src/api/analysis.ts';
import { excerpt, httpRequest, parseJsonBody } from './http.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface OAuth2TokenSource {
  /** The Authorization header for `config`, fetching a token when none is cached. */
  authorization(config: OAuth2Config, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string>;
}

const EXPIRY_MARGIN_MS = 30_000;
const NO_EXPIRY_REUSE_MS = 5 * 60_000;

export function oauth2TokenSource(now: () => number = Date.now): OAuth2TokenSource {
  const cache = new Map<string, CachedToken>();
  return {
    async authorization(config, options) {
      const key = JSON.stringify([
        config.tokenUrl,
        config.clientId,
        config.clientSecret,
        config.scopes ?? [],
      ]);
      const cached = cache.get(key);
      if (cached && cached.expiresAt > now()) return `Bearer ${cached.token}`;
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: config.clientId,
        client_secret: config.clientSecret,
      });
      if (config.scopes && config.scopes.length > 0) form.set('scope', config.scopes.join(' '));
      const response = await httpRequest({
        method: 'POST',
        url: config.tokenUrl,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
      const source = `oauth2 token endpoint ${config.tokenUrl}`;
      if (response.status < 200 || response.status >= 300)
        throw new MeasurementError(
          MeasurementErrorKind.httpStatus,
          `${source} returned HTTP ${response.status}: ${excerpt(response.body.split(config.clientSecret).join('***'))}`,
        );
      const reply = parseJsonBody(response.body, source) as { access_token?: unknown; expires_in?: unknown };
      if (typeof reply.access_token !== 'string' || reply.access_token === '')
        throw new MeasurementError(MeasurementErrorKind.malformed, `${source} returned no access_token`);
      const lifetimeMs =
        typeof reply.expires_in === 'number'
          ? reply.expires_in * 1000 - EXPIRY_MARGIN_MS
          : NO_EXPIRY_REUSE_MS;
      cache.set(key, { token: reply.access_token, expiresAt: now() + Math.max(0, lifetimeMs) });
      return `Bearer ${reply.access_token}`;
    },
  };
}

/** One token cache per controller process. */
export const sharedOAuth2Tokens = oauth2TokenSource();

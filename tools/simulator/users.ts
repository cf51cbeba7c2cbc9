import type { SimulatedRequest } from './routing.ts';

/**
 * One `Set-Cookie` value as a browser keeps it: name and value, and whether it deletes the
 * cookie (`Max-Age` <= 0 or an `Expires` in the past). Domain and Path are not simulated: every
 * request goes to one host and path space. Undefined for a value with no `name=`.
 */
export function parseSetCookie(
  header: string,
  now: number,
): { name: string; value: string; expired: boolean } | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  let expired = false;
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=').map((s) => s.trim());
    // Max-Age wins over Expires (RFC 6265 5.3), so it is looked at last when both are there
    if (key.toLowerCase() === 'expires' && !attributes.some((a) => /^\s*max-age\s*=/i.test(a))) {
      expired = Date.parse(value) <= now;
    }
    if (key.toLowerCase() === 'max-age') expired = Number(value) <= 0;
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), expired };
}

export interface UsersOptions {
  /** How many distinct users; request n comes from user (n - 1) mod count. */
  count: number;
  /** Headers a user sends on every request, e.g. `x-user-id` for header stickiness. */
  headers?: (user: number) => Record<string, string>;
}

/**
 * Simulated users: each sends its own headers and keeps the cookies its answers set (from the
 * app or from the routing layer), sending them back, so a router that pins a user to a variant
 * with a cookie is seen doing so. Records which versions answered each user.
 */
export class SimulatedUsers {
  private readonly jars: Map<string, string>[];
  private readonly seen: Map<string, number>[];

  constructor(
    private readonly options: UsersOptions,
    private readonly clock: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new Error(`users.count must be a positive integer, got ${options.count}`);
    }
    this.jars = Array.from({ length: options.count }, () => new Map<string, string>());
    this.seen = Array.from({ length: options.count }, () => new Map<string, number>());
  }

  userOf(n: number): number {
    return (n - 1) % this.options.count;
  }

  /** The n-th request as its user sends it: the base request, the user's headers, its cookies. */
  request(n: number, base: SimulatedRequest): SimulatedRequest {
    const user = this.userOf(n);
    const jar = this.jars[user] ?? new Map<string, string>();
    const headers: Record<string, string> = { ...base.headers, ...this.options.headers?.(user) };
    const cookies = [...jar].map(([name, value]) => `${name}=${value}`);
    if (cookies.length > 0) {
      headers.cookie = [headers.cookie, ...cookies].filter((c) => c !== undefined && c !== '').join('; ');
    }
    return { ...base, headers };
  }

  /** The answer to the n-th request: which version gave it and the `Set-Cookie` values it carried. */
  answered(n: number, hash: string, setCookies: readonly string[]): void {
    const user = this.userOf(n);
    const jar = this.jars[user];
    const seen = this.seen[user];
    if (!jar || !seen) return;
    seen.set(hash, (seen.get(hash) ?? 0) + 1);
    for (const header of setCookies) {
      const cookie = parseSetCookie(header, this.clock());
      if (!cookie) continue;
      if (cookie.expired) jar.delete(cookie.name);
      else jar.set(cookie.name, cookie.value);
    }
  }

  /** Per user: answers per version (pod template hash). */
  answersByUser(): Map<number, Map<string, number>> {
    return new Map(this.seen.map((seen, user) => [user, new Map(seen)]));
  }

  /** A user's cookies now. */
  cookiesOf(user: number): Map<string, string> {
    return new Map(this.jars[user]);
  }
}

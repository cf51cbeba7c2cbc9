import { describe, expect, it } from 'vitest';
import { TableRouter, type RouteRule } from '../../tools/simulator/routing.ts';
import { parseSetCookie, SimulatedUsers } from '../../tools/simulator/users.ts';
import { cookieValue } from '../../tools/simulator/request-match.ts';

const now = Date.parse('2026-11-26T12:00:00Z');

describe('cookies', () => {
  it('reads name and value, and whether the cookie is deleted', () => {
    expect(parseSetCookie('variant=b; Path=/; Max-Age=86400; HttpOnly', now)).toEqual({
      name: 'variant',
      value: 'b',
      expired: false,
    });
    expect(parseSetCookie('variant=; Max-Age=0', now)?.expired).toBe(true);
    expect(parseSetCookie('variant=b; Expires=Thu, 01 Jan 2026 00:00:00 GMT', now)?.expired).toBe(true);
    // Max-Age wins over Expires
    expect(parseSetCookie('variant=b; Expires=Thu, 01 Jan 2026 00:00:00 GMT; Max-Age=60', now)?.expired).toBe(
      false,
    );
    expect(parseSetCookie('garbage', now)).toBeUndefined();
  });
});

describe('simulated users', () => {
  it('take turns, send their own headers, and send back the cookies they were given', () => {
    const users = new SimulatedUsers({ count: 2, headers: (u) => ({ 'x-user-id': `u${u}` }) }, () => now);
    expect(users.request(1, { path: '/', headers: { a: '1' } }).headers).toEqual({
      a: '1',
      'x-user-id': 'u0',
    });
    users.answered(1, 'B', ['variant=b; Max-Age=60']);
    expect(users.request(3, { path: '/', headers: {} }).headers).toEqual({
      'x-user-id': 'u0',
      cookie: 'variant=b',
    });
    expect(users.request(2, { path: '/', headers: {} }).headers).toEqual({ 'x-user-id': 'u1' });
    users.answered(3, 'B', ['variant=; Max-Age=0']);
    expect(users.cookiesOf(0)).toEqual(new Map());
    expect(users.answersByUser()).toEqual(
      new Map([
        [0, new Map([['B', 2]])],
        [1, new Map()],
      ]),
    );
  });

  it('reject a count that is not a positive integer', () => {
    expect(() => new SimulatedUsers({ count: 0 })).toThrow('users.count must be a positive integer, got 0');
  });

  it('stay on the variant a cookie rule pins them to, with the cookie the routing layer sets', () => {
    // the shape the A/B router writes: cookie rules first, then a 50/50 split that sets the cookie
    const pinned = (variant: string, hash: string): RouteRule => ({
      id: variant,
      matches: (r) => cookieValue(r, 'variant') === variant,
      destinations: [{ hash, weight: 1 }],
    });
    const rules: RouteRule[] = [
      pinned('a', 'A'),
      pinned('b', 'B'),
      {
        id: 'split',
        matches: () => true,
        destinations: [
          { hash: 'A', weight: 1, responseHeaders: [['set-cookie', 'variant=a']] },
          { hash: 'B', weight: 1, responseHeaders: [['set-cookie', 'variant=b']] },
        ],
      },
    ];
    const router = new TableRouter();
    router.update({ rules }, new Set(['A', 'B']));
    const users = new SimulatedUsers({ count: 10 }, () => now);
    for (let n = 1; n <= 200; n++) {
      const choice = router.route(users.request(n, { path: '/', headers: {} }));
      if (!choice) throw new Error('unrouted');
      users.answered(
        n,
        choice.hash,
        choice.responseHeaders.filter(([k]) => k === 'set-cookie').map(([, v]) => v),
      );
    }
    const seen = [...users.answersByUser().values()];
    expect(seen.every((versions) => versions.size === 1)).toBe(true);
    expect(seen.filter((versions) => versions.has('B'))).toHaveLength(5);
  });
});

import { describe, expect, it } from 'vitest';
import { bearerFromHeaders, cookies } from './authenticator.ts';
import { CsrfTokens } from './csrf.ts';
import { SessionStore } from './sessions.ts';

describe('credentials from a request', () => {
  it('takes the proxy header first, then Authorization: Bearer', () => {
    expect(
      bearerFromHeaders({ headers: { 'x-forwarded-access-token': 'a', authorization: 'Bearer b' } }),
    ).toBe('a');
    expect(bearerFromHeaders({ headers: { authorization: 'Bearer b' } })).toBe('b');
    expect(bearerFromHeaders({ headers: { authorization: 'Basic xyz' } })).toBeUndefined();
    expect(bearerFromHeaders({ headers: {} })).toBeUndefined();
  });
  it('parses cookies', () => {
    expect(cookies({ headers: { cookie: 'a=1; bellwether_session=x%3Dy' } })).toEqual({
      a: '1',
      bellwether_session: 'x=y',
    });
  });
});

describe('sessions', () => {
  it('hold the token until they expire or end', () => {
    let now = 0;
    const store = new SessionStore(1000, 10, () => now);
    const id = store.create('tok');
    expect(store.token(id)).toBe('tok');
    now = 999;
    expect(store.token(id)).toBe('tok');
    now = 1000;
    expect(store.token(id)).toBeUndefined();
    const other = store.create('tok2');
    store.delete(other);
    expect(store.token(other)).toBeUndefined();
    expect(store.token('guessed')).toBeUndefined();
  });
  it('drop the oldest session beyond the limit', () => {
    const store = new SessionStore(1000, 2);
    const first = store.create('1');
    store.create('2');
    store.create('3');
    expect(store.token(first)).toBeUndefined();
  });
});

describe('CSRF tokens', () => {
  it('are valid only for the identity they were made for', () => {
    const csrf = new CsrfTokens();
    const token = csrf.tokenFor('alice');
    expect(csrf.valid('alice', token)).toBe(true);
    expect(csrf.valid('bob', token)).toBe(false);
    expect(csrf.valid('alice', undefined)).toBe(false);
    expect(csrf.valid('alice', token.slice(1))).toBe(false);
    expect(new CsrfTokens().valid('alice', token)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { runExpiresAt } from './run-ttl.ts';

describe('ttlStrategy', () => {
  const done = Date.parse('2026-01-01T00:00:00Z');
  it('uses the phase-specific seconds first, then secondsAfterCompletion', () => {
    const ttl = { secondsAfterCompletion: 60, secondsAfterSuccess: 10, secondsAfterFailure: 600 };
    expect(runExpiresAt(ttl, 'Successful', done)).toBe(done + 10_000);
    expect(runExpiresAt(ttl, 'Failed', done)).toBe(done + 600_000);
    expect(runExpiresAt(ttl, 'Error', done)).toBe(done + 600_000);
    expect(runExpiresAt(ttl, 'Inconclusive', done)).toBe(done + 60_000);
    expect(runExpiresAt({ secondsAfterCompletion: 5 }, 'Successful', done)).toBe(done + 5_000);
  });
  it('keeps the run without a matching setting', () => {
    expect(runExpiresAt(undefined, 'Successful', done)).toBeUndefined();
    expect(runExpiresAt({ secondsAfterFailure: 1 }, 'Successful', done)).toBeUndefined();
    expect(runExpiresAt({ secondsAfterSuccess: 0 }, 'Successful', done)).toBe(done);
  });
});

import type { V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { decide, LeaderElector, renewOverdue, validateTimings, type LeaseApi } from './leader-election.ts';

const leaseDurationMs = 15_000;
const base = { identity: 'me', leaseDurationMs, observed: undefined };

describe('decide', () => {
  it('creates a missing Lease with itself as holder', () => {
    const { decision } = decide({ ...base, record: undefined, now: 1000 });
    expect(decision).toEqual({
      action: 'create',
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: 1000,
        renewTime: 1000,
        leaseTransitions: 0,
      },
    });
  });

  it('renews its own Lease, keeping acquireTime and transitions', () => {
    const record = {
      holderIdentity: 'me',
      acquireTime: 5,
      renewTime: 10,
      leaseTransitions: 3,
      leaseDurationSeconds: 15,
    };
    const { decision } = decide({ ...base, record, now: 2000 });
    expect(decision).toEqual({
      action: 'renew',
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: 5,
        renewTime: 2000,
        leaseTransitions: 3,
      },
    });
  });

  it('waits while another holder renews, judged by its own observation time', () => {
    const record = { holderIdentity: 'other', renewTime: 0, leaseDurationSeconds: 15 };
    // first sighting at t=100s (whatever renewTime says): the lease runs until 115s on our clock
    const first = decide({ ...base, record, now: 100_000 });
    expect(first.decision).toEqual({ action: 'wait', holder: 'other', expiresInMs: 15_000 });
    const later = decide({ ...base, record, observed: first.observed, now: 110_000 });
    expect(later.decision).toEqual({ action: 'wait', holder: 'other', expiresInMs: 5_000 });
    // the holder renewed: the clock starts again
    const renewed = decide({
      ...base,
      record: { ...record, renewTime: 1 },
      observed: later.observed,
      now: 114_000,
    });
    expect(renewed.decision).toMatchObject({ action: 'wait', expiresInMs: 15_000 });
  });

  it('takes over a Lease not renewed within its duration, counting a transition', () => {
    const record = { holderIdentity: 'other', renewTime: 0, leaseDurationSeconds: 6, leaseTransitions: 2 };
    const seen = decide({ ...base, record, now: 0 });
    expect(decide({ ...base, record, observed: seen.observed, now: 5_999 }).decision.action).toBe('wait');
    const taken = decide({ ...base, record, observed: seen.observed, now: 6_000 });
    expect(taken.decision).toEqual({
      action: 'acquire',
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: 6_000,
        renewTime: 6_000,
        leaseTransitions: 3,
      },
    });
  });

  it('takes a released Lease (empty holder) at once', () => {
    const { decision } = decide({ ...base, record: { holderIdentity: '', renewTime: 5 }, now: 6 });
    expect(decision.action).toBe('acquire');
  });

  it('renewOverdue and timing validation', () => {
    expect(renewOverdue(0, 10_000, 10_000)).toBe(false);
    expect(renewOverdue(0, 10_001, 10_000)).toBe(true);
    expect(
      validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }),
    ).toBeUndefined();
    expect(
      validateTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }),
    ).toMatch(/lease-duration/);
    expect(
      validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
    ).toMatch(/renew-deadline/);
  });
});

const stored = (lease: V1Lease, rv: number): V1Lease => {
  const copy = structuredClone(lease);
  copy.metadata = Object.assign(copy.metadata ?? {}, { resourceVersion: String(rv) });
  return copy;
};

/** An in-memory Lease store with resourceVersion preconditions, like the API server's. */
function fakeLeases(): LeaseApi & { lease: V1Lease | undefined; failing: boolean } {
  let rv = 0;
  const store = {
    lease: undefined as V1Lease | undefined,
    failing: false,
    read: () => {
      if (store.failing) return Promise.reject(new Error('connection refused'));
      return Promise.resolve(store.lease && structuredClone(store.lease));
    },
    create: (_ns: string, lease: V1Lease) => {
      if (store.lease) return Promise.reject(Object.assign(new Error('exists'), { code: 409 }));
      store.lease = stored(lease, ++rv);
      return Promise.resolve();
    },
    replace: (_ns: string, _name: string, lease: V1Lease) => {
      if (store.failing) return Promise.reject(new Error('connection refused'));
      if (lease.metadata?.resourceVersion !== store.lease?.metadata?.resourceVersion)
        return Promise.reject(Object.assign(new Error('conflict'), { code: 409 }));
      store.lease = stored(lease, ++rv);
      return Promise.resolve();
    },
  };
  return store;
}

describe('LeaderElector', () => {
  const log = createLogger('error');
  const elector = (api: LeaseApi, identity: string, clock: { t: number }) =>
    new LeaderElector({
      api,
      namespace: 'ns',
      name: 'bellwether-controller',
      identity,
      leaseDurationMs: 6_000,
      renewDeadlineMs: 4_000,
      retryPeriodMs: 1_000,
      log,
      now: () => clock.t,
      sleep: (ms) => {
        clock.t += ms;
        return Promise.resolve();
      },
    });

  it('exactly one of two candidates wins a race on a stale read', async () => {
    const api = fakeLeases();
    const clock = { t: 0 };
    const a = elector(api, 'a', clock);
    const b = elector(api, 'b', clock);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    // both see a's expired lease; both try to take it with the same resourceVersion
    const seenByB = elector(api, 'b2', clock);
    await b.tryAcquireOrRenew();
    await seenByB.tryAcquireOrRenew();
    clock.t += 7_000;
    const results = await Promise.all([b.tryAcquireOrRenew(), seenByB.tryAcquireOrRenew()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(api.lease?.spec?.leaseTransitions).toBe(1);
  });

  it('a leader that cannot renew within the deadline steps down; a standby takes over', async () => {
    const api = fakeLeases();
    const clock = { t: 0 };
    const leader = elector(api, 'a', clock);
    expect(await leader.acquire()).toBe(true);
    api.failing = true;
    expect(await leader.holdLeadership()).toBe('lost');
    expect(clock.t).toBeGreaterThan(4_000);
    expect(clock.t).toBeLessThanOrEqual(6_000);
    api.failing = false;
    const standby = elector(api, 'b', clock);
    const start = clock.t;
    expect(await standby.acquire()).toBe(true);
    // it had to watch the lease expire on its own clock
    expect(clock.t - start).toBeGreaterThanOrEqual(6_000);
    expect(api.lease?.spec?.holderIdentity).toBe('b');
  });

  it('a leader that finds another holder steps down at once; stop() releases the lease', async () => {
    const api = fakeLeases();
    const clock = { t: 0 };
    const leader = elector(api, 'a', clock);
    await leader.acquire();
    await leader.stop();
    expect(api.lease?.spec?.holderIdentity).toBe('');
    const b = elector(api, 'b', clock);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    // b leads; someone else overwrites the Lease (an operator, a split brain): b steps down
    // after one retry period instead of waiting for the renew deadline
    if (api.lease?.spec) api.lease.spec.holderIdentity = 'someone-else';
    const before = clock.t;
    expect(await b.holdLeadership()).toBe('lost');
    expect(b.isLeader).toBe(false);
    expect(clock.t - before).toBe(1_000);
  });
});

import type { V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  rememberReplicaSetWrite,
  replicaSetCacheBehind,
  type ReplicaSetWrites,
} from './replica-set-writes.ts';

const rs = (name: string, resourceVersion: string): V1ReplicaSet => ({ metadata: { name, resourceVersion } });

describe('ReplicaSet writes the cache has not delivered', () => {
  it('holds the reconcile while the cache is at the version a write moved past, then forgets it', () => {
    const writes: ReplicaSetWrites = new Map();
    rememberReplicaSetWrite(writes, 'ns/r', rs('r-old', '10'), rs('r-old', '11'));
    expect(replicaSetCacheBehind(writes, 'ns/r', [rs('r-old', '10'), rs('r-new', '7')])).toBe(true);
    expect(replicaSetCacheBehind(writes, 'ns/other', [rs('r-old', '10')])).toBe(false);
    // the watch delivered our write (or a later version): nothing is kept
    expect(replicaSetCacheBehind(writes, 'ns/r', [rs('r-old', '11'), rs('r-new', '7')])).toBe(false);
    expect(writes.size).toBe(0);
  });

  it('never waits for a write that made no new version, nor for a ReplicaSet that is gone', () => {
    const writes: ReplicaSetWrites = new Map();
    rememberReplicaSetWrite(writes, 'ns/r', rs('r-old', '10'), rs('r-old', '10')); // a no-op patch
    rememberReplicaSetWrite(writes, 'ns/r', rs('r-old', '10'), undefined);
    expect(writes.size).toBe(0);
    rememberReplicaSetWrite(writes, 'ns/r', rs('r-gone', '3'), rs('r-gone', '4'));
    expect(replicaSetCacheBehind(writes, 'ns/r', [])).toBe(false);
    expect(writes.size).toBe(0);
  });
});

import type { V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import {
  ensureRestoreRecord,
  restoreDeletedRollout,
  restoreRecordAnnotation,
  restoreRoutingFinalizer,
  rolloutsNamedBy,
  type RestoreDeps,
} from './restore-routing.ts';
import type { RolloutObject } from './rollout-object.ts';

const rollout = (finalizers?: string[]): RolloutObject => ({
  metadata: {
    name: 'web',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    ...(finalizers ? { finalizers } : {}),
  },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    strategy: {
      canary: {
        canaryService: 'web-canary',
        stableService: 'web-stable',
        trafficRouting: { smi: { rootService: 'web' } },
        steps: [{ setWeight: 10 }],
      },
    },
  },
});

function world(services: V1Service[]) {
  const writes: { method: string; args: unknown[] }[] = [];
  const record =
    (method: string) =>
    (...args: unknown[]) => {
      writes.push({ method, args });
      return Promise.resolve();
    };
  const deps: RestoreDeps = {
    caches: {
      service: (_ns, name) => services.find((s) => s.metadata?.name === name),
      services: () => services,
      routingObject: () => Promise.resolve(undefined),
    },
    writer: {
      patchService: record('patchService'),
      applyRoutingObject: record('applyRoutingObject'),
      patchRoutingObject: record('patchRoutingObject'),
      deleteRoutingObject: record('deleteRoutingObject'),
      patchRolloutMetadata: record('patchRolloutMetadata'),
    },
    log: createLogger('error'),
  };
  return { deps, writes };
}

const svc = (name: string, annotations: Record<string, string> = {}): V1Service => ({
  metadata: { name, namespace: 'ns', annotations },
  spec: { selector: { app: 'web', 'rollouts-pod-template-hash': 'abc' } },
});

describe('restore records instead of a finalizer', () => {
  it('writes the record on the stable Service once, then nothing', async () => {
    const services = [svc('web-stable'), svc('web-canary')];
    const { deps, writes } = world(services);
    expect(await ensureRestoreRecord(rollout(), deps)).toBe(false);
    expect(writes).toHaveLength(1);
    const patch = writes[0]?.args[2] as { metadata: { annotations: Record<string, string> } };
    const value = patch.metadata.annotations[restoreRecordAnnotation] ?? '';
    expect(JSON.parse(value)).toMatchObject({
      rollout: 'web',
      uid: 'u1',
      routing: { stableService: 'web-stable' },
    });
    services[0] = svc('web-stable', { [restoreRecordAnnotation]: value });
    writes.length = 0;
    expect(await ensureRestoreRecord(rollout(), deps)).toBe(false);
    expect(writes).toEqual([]);
  });

  it('releases the finalizer of earlier versions from a live Rollout', async () => {
    const { deps, writes } = world([svc('web-stable'), svc('web-canary')]);
    expect(await ensureRestoreRecord(rollout([restoreRoutingFinalizer, 'other']), deps)).toBe(true);
    expect(writes.at(-1)).toEqual({
      method: 'patchRolloutMetadata',
      args: ['ns', 'web', '7', { finalizers: ['other'] }],
    });
  });

  it('restores a deleted Rollout from the annotations alone and names it as their owner', async () => {
    const record = JSON.stringify({
      rollout: 'web',
      uid: 'u1',
      routing: { routing: { smi: {} }, field: 'f', canaryService: 'web-canary', stableService: 'web-stable' },
    });
    const managed = {
      'bellwether.dev/managed-by': 'web',
      'bellwether.dev/original-selector': '{"app":"web"}',
    };
    const stable = svc('web-stable', { ...managed, [restoreRecordAnnotation]: record });
    const other = svc('other', { 'bellwether.dev/managed-by': 'api' });
    expect(rolloutsNamedBy(stable)).toEqual(['web']);
    const { deps, writes } = world([stable, svc('web-canary', managed), other]);
    expect(await restoreDeletedRollout('ns', 'web', deps)).toBeGreaterThan(0);
    const patched = writes.filter((w) => w.method === 'patchService').map((w) => w.args[1]);
    expect(patched).toEqual(['web-stable', 'web-stable', 'web-canary']);
    const selector = writes.at(-1)?.args[2] as { spec: { selector: Record<string, string | null> } };
    expect(selector.spec.selector).toEqual({ app: 'web', 'rollouts-pod-template-hash': null });
  });

  it('a malformed record is ignored, never a crash', () => {
    expect(rolloutsNamedBy(svc('x', { [restoreRecordAnnotation]: '{not json' }))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatObjects,
  inventoryData,
  parseInventory,
  parseObjects,
  pruneSet,
  statusLine,
  type SyncStatus,
} from './inventory.ts';
import type { KubeObject } from './kube-rest.ts';
import { appliedPhase, rolloutReport, sameStatus, withSince } from './status.ts';

const rollout = { apiVersion: 'bellwether.dev/v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web' };
const service = { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' };
const namespace = { apiVersion: 'v1', kind: 'Namespace', name: 'shop' };

describe('inventory', () => {
  it('round-trips object refs, cluster-scoped ones with -', () => {
    const text = formatObjects([rollout, namespace]);
    expect(text).toBe('bellwether.dev/v1alpha1 Rollout shop web\nv1 Namespace - shop\n');
    expect(parseObjects(text)).toEqual([rollout, namespace]);
    expect(parseObjects('\n  \nbroken line\n')).toEqual([]);
  });

  it('round-trips the status through the ConfigMap data', () => {
    const status: SyncStatus = {
      phase: 'Synced',
      message: 'applied abc1234',
      repository: 'r',
      branch: 'main',
      path: '.',
      since: '2026-01-01T00:00:00.000Z',
    };
    expect(parseInventory(inventoryData({ objects: [service], status }))).toEqual({
      objects: [service],
      status,
    });
    expect(parseInventory({ objects: '', status: '{not json' })).toEqual({ objects: [] });
  });
});

describe('pruneSet', () => {
  it('is what the previous commit applied and the current one dropped', () => {
    expect(pruneSet([rollout, service, namespace], [rollout])).toEqual([service, namespace]);
  });

  it('treats a new apiVersion of the same group and kind as the same object', () => {
    const v1beta1 = { ...rollout, apiVersion: 'bellwether.dev/v1beta1' };
    expect(pruneSet([rollout], [v1beta1])).toEqual([]);
  });

  it('tells kinds, namespaces and names apart, and lists each object once', () => {
    const otherNamespace = { ...service, namespace: 'other' };
    expect(pruneSet([service, service, otherNamespace], [rollout])).toEqual([service, otherNamespace]);
    expect(pruneSet([], [rollout])).toEqual([]);
  });
});

describe('sync status', () => {
  const commit = { sha: 'abcdef0123456789', author: 'Ann Lee', subject: 'Bump web', committedAt: '' };

  it('pulls the andon cord when a Rollout aborted, naming the Rollout and the commit', () => {
    const { phase, message } = appliedPhase(commit, [
      {
        name: 'web',
        namespace: 'shop',
        phase: 'Aborted',
        commit: 'abcdef0 "Bump web" by Ann Lee',
        message: 'aborted',
      },
      { name: 'api', namespace: 'shop', phase: 'Healthy' },
    ]);
    expect(phase).toBe('Aborted');
    expect(message).toBe(
      'Rollout shop/web aborted (commit abcdef0 "Bump web" by Ann Lee): aborted. Not retried: push a fix or revert commit abcdef0',
    );
  });

  it('is Progressing while a Rollout moves and Synced when all are Healthy', () => {
    expect(appliedPhase(commit, [{ name: 'web', namespace: 'shop', phase: 'Paused' }])).toEqual({
      phase: 'Progressing',
      message: 'applied abcdef0; rollouts: shop/web Paused',
    });
    expect(appliedPhase(commit, [{ name: 'web', namespace: 'shop', phase: 'Healthy' }])).toEqual({
      phase: 'Synced',
      message: 'applied abcdef0',
    });
  });

  it('reports a Rollout Pending until the controller saw this commit, then its phase', () => {
    const live = (status: object) =>
      ({
        apiVersion: 'bellwether.dev/v1alpha1',
        kind: 'Rollout',
        metadata: {
          name: 'web',
          namespace: 'shop',
          generation: 3,
          annotations: { 'bellwether.dev/source-revision': commit.sha },
        },
        status,
      }) as KubeObject;
    const seen = { observedGeneration: 3, source: { revision: commit.sha } };
    expect(rolloutReport(live({ phase: 'Healthy', observedGeneration: 3 }), commit.sha).phase).toBe(
      'Pending',
    );
    expect(rolloutReport(live({ ...seen, phase: 'Healthy', observedGeneration: 2 }), commit.sha).phase).toBe(
      'Pending',
    );
    expect(rolloutReport(live({ ...seen, phase: 'Paused' }), commit.sha)).toEqual({
      name: 'web',
      namespace: 'shop',
      phase: 'Paused',
      commit: 'abcdef0',
    });
    expect(rolloutReport(live({ phase: 'Degraded', abort: true }), commit.sha).phase).toBe('Aborted');
    const invalid = live({
      conditions: [{ type: 'InvalidSpec', status: 'True', message: 'service "x" not found' }],
    });
    expect(rolloutReport(invalid, commit.sha)).toMatchObject({
      phase: 'InvalidSpec',
      message: 'service "x" not found',
    });
  });

  it('keeps `since` while nothing changes, so an unchanged poll writes nothing', () => {
    const base = {
      phase: 'Synced' as const,
      message: 'm',
      repository: 'r',
      branch: 'b',
      path: '.',
      applied: commit,
    };
    const first = withSince(undefined, base, 1000);
    const second = withSince(first, base, 5000);
    expect(second.since).toBe(first.since);
    expect(sameStatus(first, second)).toBe(true);
    const aborted = withSince(second, { ...base, phase: 'Aborted' }, 9000);
    expect(aborted.since).toBe(new Date(9000).toISOString());
    expect(sameStatus(second, aborted)).toBe(false);
    expect(statusLine(aborted)).toBe('Aborted abcdef0 "Bump web" by Ann Lee: m');
  });
});

import { describe, expect, it } from 'vitest';
import { fromGitSourceStatus, toGitSourceStatus } from './gitsource-status.ts';
import type { SyncStatus } from './inventory.ts';
import { syncEvents } from './sync-events.ts';

const commit = (sha: string, subject: string) => ({ sha, author: 'Ann Lee', subject, committedAt: '' });
const source = { repository: 'git://h/r', branch: 'main', path: 'apps/web' };
const synced: SyncStatus = {
  ...source,
  phase: 'Synced',
  message: 'applied aaaaaaa',
  applied: commit('a'.repeat(40), 'Add web'),
  seen: commit('a'.repeat(40), 'Add web'),
  since: '2026-12-04T10:00:00.000Z',
};
const refused: SyncStatus = {
  ...synced,
  phase: 'Invalid',
  message: 'commit bbbbbbb not applied: 1 problem(s); commit bbbbbbb: signature: the commit is not signed',
  seen: commit('b'.repeat(40), 'Unsigned'),
  problems: [
    {
      file: '',
      line: 0,
      col: 0,
      severity: 'error',
      object: 'commit bbbbbbb',
      path: 'signature',
      message: 'the commit is not signed',
    },
  ],
  since: '2026-12-04T10:05:00.000Z',
};
const objects = [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'x' }];

describe('GitSource status', () => {
  it('carries commits, conditions, the andon state and the inventory, and reads back the same', () => {
    const ok = toGitSourceStatus({ objects, status: synced }, 3, undefined);
    expect(ok).toMatchObject({
      observedGeneration: 3,
      phase: 'Synced',
      lastAppliedCommit: { shortSha: 'aaaaaaa', subject: 'Add web' },
      inventory: objects,
    });
    expect(ok.andon).toBeUndefined();
    expect(ok.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Ready=True/Synced',
      'Stalled=False/NotStalled',
    ]);

    const bad = toGitSourceStatus({ objects, status: refused }, 3, ok);
    expect(bad.andon).toMatchObject({ reason: 'SignatureRefused', commit: { shortSha: 'bbbbbbb' } });
    expect(bad.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Ready=False/SignatureRefused',
      'Stalled=True/SignatureRefused',
    ]);
    expect(fromGitSourceStatus(bad, source)).toEqual({ objects, status: refused });
  });

  it('keeps a condition transition time while its status holds', () => {
    const first = toGitSourceStatus({ objects, status: synced }, 1, undefined);
    const later = toGitSourceStatus(
      { objects, status: { ...synced, since: '2026-12-04T11:00:00.000Z' } },
      1,
      first,
    );
    expect(later.conditions?.[0]?.lastTransitionTime).toBe(synced.since);
  });
});

describe('GitSource events', () => {
  it('one Applied per new commit, one refusal per refused tip, nothing when nothing changed', () => {
    expect(syncEvents(undefined, synced).map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'Applied: Applied commit aaaaaaa "Add web" by Ann Lee',
    ]);
    expect(syncEvents(synced, synced)).toEqual([]);
    expect(syncEvents(synced, refused).map((e) => e.reason)).toEqual(['SignatureRefused']);
    expect(syncEvents(refused, refused)).toEqual([]);
    expect(
      syncEvents(synced, { ...synced, phase: 'Aborted', message: 'Rollout shop/web aborted' }).map(
        (e) => e.reason,
      ),
    ).toEqual(['Aborted']);
  });
});

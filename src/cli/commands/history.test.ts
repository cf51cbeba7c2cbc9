import type { CoreV1Event, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { renderRevisions, revisions } from './history.ts';

const rs = (revision: number, hash: string, image: string, sha?: string, subject?: string): V1ReplicaSet => ({
  metadata: {
    name: `web-${hash}`,
    labels: { 'rollouts-pod-template-hash': hash },
    annotations: {
      'rollout.bellwether.dev/revision': String(revision),
      ...(sha ? { 'bellwether.dev/source-revision': sha } : {}),
      ...(subject
        ? { 'bellwether.dev/source-subject': subject, 'bellwether.dev/source-author': 'Ann Lee' }
        : {}),
    },
  },
  spec: { selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } },
});

const rollout = (status: RolloutObject['status']) =>
  ({
    metadata: { name: 'web', namespace: 'shop', uid: 'u' },
    spec: { selector: {} },
    status,
  }) as RolloutObject;

const event = (reason: string, message: string): CoreV1Event => ({
  metadata: {},
  involvedObject: {},
  reason,
  message,
});

describe('history', () => {
  const sets = [
    rs(3, 'ccc', 'web:3', '3333333aaaa', 'Ship 3'),
    rs(1, 'aaa', 'web:1', '1111111aaaa', 'Add web'),
    rs(2, 'bbb', 'web:2', '2222222aaaa', 'Bump 2'),
    rs(4, 'ddd', 'web:4'),
  ];
  const events = [
    event('RolloutCompleted', 'Rollout completed: aaa is stable with 5 replicas (commit 1111111)'),
    event('RolloutAborted', 'Rollout aborted at step 2/3: by user (commit 2222222 "Bump 2" by Ann Lee)'),
  ];

  it('lists revisions oldest first with image, commit and outcome', () => {
    const rows = revisions(
      rollout({ stableRS: 'ccc', currentPodHash: 'ddd', phase: 'Paused' }),
      sets,
      events,
    );
    expect(rows.map((r) => [r.revision, r.images, r.commit, r.outcome])).toEqual([
      [1, 'web:1', '1111111 "Add web" by Ann Lee', 'superseded (was stable)'],
      [2, 'web:2', '2222222 "Bump 2" by Ann Lee', 'aborted'],
      [3, 'web:3', '3333333 "Ship 3" by Ann Lee', 'stable (current version rolling out)'],
      [4, 'web:4', '-', 'rolling out (Paused)'],
    ]);
    expect(renderRevisions(rows).split('\n')[0]).toMatch(
      /^REVISION\s+HASH\s+IMAGE\s+CREATED\s+OUTCOME\s+COMMIT$/,
    );
  });

  it('marks the current version aborted while status.abort holds', () => {
    const rows = revisions(rollout({ stableRS: 'ccc', currentPodHash: 'ddd', abort: true }), sets, []);
    expect(rows.map((r) => r.outcome)).toEqual([
      'superseded',
      'superseded',
      'stable (current version rolling out)',
      'aborted',
    ]);
  });
});

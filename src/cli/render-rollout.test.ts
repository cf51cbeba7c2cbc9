import { describe, expect, it } from 'vitest';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { RolloutObject } from '../controller/rollout-object.ts';
import { renderRollout, renderRolloutList } from './render-rollout.ts';

const rollout: RolloutObject = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: 'web' } },
    strategy: {
      canary: { steps: [{ setWeight: 20 }, { pause: { duration: '5s' } }, { setWeight: 60 }, { pause: {} }] },
    },
  },
  status: {
    phase: 'Paused',
    message: 'Paused at Step 4/4',
    currentStepIndex: 3,
    currentPodHash: 'new',
    stableRS: 'old',
    canary: { weights: { canary: 60, stable: 40 } },
  },
};

const rs = (hash: string, revision: number, replicas: number, image: string): V1ReplicaSet => ({
  metadata: {
    name: `web-${hash}`,
    labels: { 'rollouts-pod-template-hash': hash },
    annotations: { 'rollout.bellwether.dev/revision': String(revision) },
  },
  spec: { replicas, selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } },
  status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
});

describe('renderRollout', () => {
  it('marks done steps, the current step, weights and each ReplicaSet role', () => {
    const out = renderRollout(rollout, [rs('old', 1, 2, 'web:1'), rs('new', 2, 3, 'web:2')]);
    expect(out).toContain('Phase:        Paused');
    expect(out).toContain('Weights:      canary 60%, stable 40%');
    expect(out).toMatch(/✔\s+2\s+setWeight 60/);
    expect(out).toMatch(/→\s+3\s+pause \(until promoted\)/);
    expect(out).toMatch(/2\s+web-new\s+canary\s+3\s+3\s+3\s+3\s+web:2/);
    expect(out).toMatch(/1\s+web-old\s+stable\s+2/);
    expect(out).toContain('Revision:     2');
  });

  it('lists rollouts with step and weight', () => {
    expect(renderRolloutList([rollout])).toMatch(/web\s+Canary\s+Paused\s+3\/4\s+60\s+5/);
  });
});

describe('renderRollout for blue-green', () => {
  it('shows the hashes the active and preview Services select, and each ReplicaSet role', () => {
    const blueGreen: RolloutObject = {
      metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        strategy: { blueGreen: { activeService: 'web-active', previewService: 'web-preview' } },
      },
      status: {
        phase: 'Paused',
        currentPodHash: 'new',
        stableRS: 'old',
        blueGreen: { activeSelector: 'old', previewSelector: 'new' },
      },
    };
    const out = renderRollout(blueGreen, [
      rs('old', 1, 2, 'web:1'),
      rs('new', 2, 2, 'web:2'),
      rs('gone', 0, 0, 'web:0'),
    ]);
    expect(out).toContain('Strategy:     BlueGreen');
    expect(out).toContain('Active:       old (Service web-active)');
    expect(out).toContain('Preview:      new (Service web-preview)');
    expect(out).toMatch(/web-old\s+active\s/);
    expect(out).toMatch(/web-new\s+preview\s/);
    expect(out).toMatch(/web-gone\s+old\s/);
    expect(out).not.toContain('Steps:');
  });
});

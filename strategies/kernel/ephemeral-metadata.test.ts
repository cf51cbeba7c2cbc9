import { describe, expect, it } from 'vitest';
import { affinityWithAntiAffinity, antiAffinityTarget, podAntiAffinityPatch } from './anti-affinity.ts';
import {
  declaresEphemeralMetadata,
  ephemeralMetadataByHash,
  ephemeralMetadataPatch,
} from './ephemeral-metadata.ts';
import type { RolloutSpecView } from '../types.ts';

const canarySpec: RolloutSpecView = {
  strategy: {
    canary: {
      steps: [{ setWeight: 20 }],
      canaryMetadata: { labels: { role: 'canary' }, annotations: { note: 'new' } },
      stableMetadata: { labels: { role: 'stable' } },
    },
  },
};
const blueGreenSpec: RolloutSpecView = {
  strategy: {
    blueGreen: {
      activeService: 'web',
      previewMetadata: { labels: { role: 'preview' } },
      activeMetadata: { labels: { role: 'active' } },
    },
  },
};

describe('ephemeral metadata by role', () => {
  it('canary: the canary and stable pods carry their role; other ReplicaSets none', () => {
    expect(
      ephemeralMetadataByHash(canarySpec, { stableRS: 'v1', currentPodHash: 'v2' }, ['v0', 'v1', 'v2']),
    ).toEqual({
      v0: { labels: {}, annotations: {} },
      v1: { labels: { role: 'stable' }, annotations: {} },
      v2: { labels: { role: 'canary' }, annotations: { note: 'new' } },
    });
  });

  it('canary: once promoted the new version is the stable and loses the canary metadata', () => {
    expect(
      ephemeralMetadataByHash(canarySpec, { stableRS: 'v2', currentPodHash: 'v2' }, ['v1', 'v2']),
    ).toEqual({
      v1: { labels: {}, annotations: {} },
      v2: { labels: { role: 'stable' }, annotations: {} },
    });
  });

  it('blue-green: preview until the active Service selects it, then active', () => {
    const before = { currentPodHash: 'v2', blueGreen: { activeSelector: 'v1' } };
    expect(ephemeralMetadataByHash(blueGreenSpec, before, ['v1', 'v2'])).toEqual({
      v1: { labels: { role: 'active' }, annotations: {} },
      v2: { labels: { role: 'preview' }, annotations: {} },
    });
    const after = { currentPodHash: 'v2', blueGreen: { activeSelector: 'v2' } };
    expect(ephemeralMetadataByHash(blueGreenSpec, after, ['v1', 'v2'])).toEqual({
      v1: { labels: {}, annotations: {} },
      v2: { labels: { role: 'active' }, annotations: {} },
    });
  });

  it('is off unless declared', () => {
    expect(declaresEphemeralMetadata(canarySpec)).toBe(true);
    expect(declaresEphemeralMetadata({ strategy: { canary: { steps: [] } } })).toBe(false);
  });

  it('patches only what changed, removing what the controller put there before', () => {
    const canary = { labels: { role: 'canary' }, annotations: { note: 'new' } };
    const stable = { labels: { role: 'stable' }, annotations: {} };
    expect(ephemeralMetadataPatch(canary, stable)).toEqual({
      labels: { role: 'stable' },
      annotations: { note: null },
    });
    expect(ephemeralMetadataPatch(stable, stable)).toBeUndefined();
    expect(ephemeralMetadataPatch(stable, { labels: {}, annotations: {} })).toEqual({
      labels: { role: null },
    });
  });
});

describe('anti-affinity against the stable version', () => {
  const own = {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone' }] },
    nodeAffinity: { x: 1 },
  };

  it('targets the stable hash only for a version that is not the stable one', () => {
    const anti = { requiredDuringSchedulingIgnoredDuringExecution: {} };
    expect(antiAffinityTarget(anti, 'v2', 'v1')).toBe('v1');
    expect(antiAffinityTarget(anti, 'v1', 'v1')).toBeUndefined();
    expect(antiAffinityTarget(anti, 'v2', undefined)).toBeUndefined();
    expect(antiAffinityTarget(undefined, 'v2', 'v1')).toBeUndefined();
  });

  it('appends a required term to the template affinity', () => {
    expect(
      affinityWithAntiAffinity(own, { requiredDuringSchedulingIgnoredDuringExecution: {} }, 'v1'),
    ).toEqual({
      nodeAffinity: { x: 1 },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: 'zone' },
          {
            labelSelector: {
              matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'In', values: ['v1'] }],
            },
            topologyKey: 'kubernetes.io/hostname',
          },
        ],
      },
    });
  });

  it('adds a weighted preferred term', () => {
    const affinity = affinityWithAntiAffinity(
      undefined,
      { preferredDuringSchedulingIgnoredDuringExecution: { weight: 40 } },
      'v1',
    );
    expect(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        weight: 40,
        podAffinityTerm: {
          labelSelector: {
            matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'In', values: ['v1'] }],
          },
          topologyKey: 'kubernetes.io/hostname',
        },
      },
    ]);
  });

  it('the patch that removes the term puts the template lists back', () => {
    expect(podAntiAffinityPatch(own)).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: null,
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone' }],
      },
    });
  });
});

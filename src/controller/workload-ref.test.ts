import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { validateResource } from '../api/validate.ts';
import { podTemplateHash } from './pod-template-hash.ts';
import type { RolloutObject } from './rollout-object.ts';
import { resolveWorkload, workloadRefLabel, workloadReplicas, type WorkloadDeps } from './workload-ref.ts';

const deployment = (image: string, labels: Record<string, string> = {}): V1Deployment => ({
  metadata: { name: 'web', namespace: 'shop', labels },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});

const rollout = (spec: Partial<RolloutObject['spec']> = {}): RolloutObject => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
  spec: {
    replicas: 4,
    workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', scaleDown: 'progressively' },
    strategy: { canary: { steps: [{ setWeight: 50 }] } },
    ...spec,
  },
});

function deps(cached: V1Deployment | undefined, read: V1Deployment | undefined = cached) {
  const patches: { name: string; patch: object }[] = [];
  const d: WorkloadDeps = {
    caches: { deployment: () => cached, readDeployment: () => Promise.resolve(read) },
    writer: {
      patchDeployment: (_ns, name, patch) => {
        patches.push({ name, patch });
        return Promise.resolve();
      },
    },
  };
  return { d, patches };
}

describe('resolveWorkload', () => {
  it("takes the Deployment's pod template and, without one of its own, its selector", async () => {
    const { d } = deps(deployment('web:1', { [workloadRefLabel]: 'true' }));
    const resolved = await resolveWorkload(rollout(), d);
    expect(resolved.ok && resolved.rollout.spec.template?.spec?.containers[0]?.image).toBe('web:1');
    expect(resolved.ok && resolved.rollout.spec.selector).toEqual({ matchLabels: { app: 'web' } });
  });

  it('labels a Deployment read directly, so the informer watches it from then on', async () => {
    const { d, patches } = deps(undefined, deployment('web:1'));
    expect((await resolveWorkload(rollout(), d)).ok).toBe(true);
    expect(patches).toEqual([
      { name: 'web', patch: { metadata: { labels: { [workloadRefLabel]: 'true' } } } },
    ]);
  });

  it('gives a new pod template hash when the Deployment template changes, the same for the same one', async () => {
    const hash = async (dep: V1Deployment) => {
      const resolved = await resolveWorkload(rollout(), deps(dep).d);
      return resolved.ok ? podTemplateHash(resolved.rollout.spec.template) : '';
    };
    const withTimestamp = deployment('web:1');
    (withTimestamp.spec?.template.metadata as Record<string, unknown>).creationTimestamp = null;
    expect(await hash(deployment('web:1'))).toBe(await hash(withTimestamp));
    expect(await hash(deployment('web:2'))).not.toBe(await hash(deployment('web:1')));
  });

  it('is a problem naming the field when the Deployment is missing or its labels do not match', async () => {
    expect(await resolveWorkload(rollout(), deps(undefined).d)).toEqual({
      ok: false,
      problem: 'spec.workloadRef.name: Deployment "web" not found',
    });
    const other = rollout({ selector: { matchLabels: { app: 'other' } } });
    const resolved = await resolveWorkload(other, deps(deployment('web:1')).d);
    expect(!resolved.ok && resolved.problem).toMatch(
      /^spec\.workloadRef\.name: spec\.selector does not match/,
    );
  });
});

describe('workloadReplicas (scaleDown)', () => {
  const ro = (scaleDown: 'never' | 'onsuccess' | 'progressively') =>
    rollout({ workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', scaleDown } });
  it('never leaves the Deployment', () => {
    expect(workloadReplicas(ro('never'), { phase: 'Healthy', availableReplicas: 4 }, 4)).toBeUndefined();
  });
  it('onsuccess scales it to 0 once the Rollout is Healthy, not before', () => {
    expect(
      workloadReplicas(ro('onsuccess'), { phase: 'Progressing', availableReplicas: 3 }, 4),
    ).toBeUndefined();
    expect(workloadReplicas(ro('onsuccess'), { phase: 'Healthy', availableReplicas: 4 }, 4)).toBe(0);
  });
  it('progressively keeps desired = Deployment + available Rollout pods, down to 0', () => {
    expect(
      [0, 1, 3, 4].map((a) => workloadReplicas(ro('progressively'), { availableReplicas: a }, 4)),
    ).toEqual([4, 3, 1, 0]);
  });
  it('progressively never grows it back during an update, only when the Rollout fails', () => {
    expect(workloadReplicas(ro('progressively'), { phase: 'Progressing', availableReplicas: 3 }, 0)).toBe(0);
    expect(workloadReplicas(ro('progressively'), { phase: 'Degraded', availableReplicas: 1 }, 0)).toBe(3);
    expect(workloadReplicas(ro('progressively'), { abort: true, availableReplicas: 2 }, 1)).toBe(2);
  });
});

describe('the schema', () => {
  const manifest = (spec: Record<string, unknown>) => ({
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web' },
    spec: { strategy: { canary: {} }, ...spec },
  });
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', scaleDown: 'onsuccess' };
  it('accepts workloadRef without a selector, and refuses a missing selector without it', () => {
    expect(validateResource(manifest({ workloadRef: ref })).ok).toBe(true);
    const result = validateResource(
      manifest({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } }),
    );
    expect(!result.ok && result.errors.map((e) => e.path)).toContain('spec.selector');
  });
});

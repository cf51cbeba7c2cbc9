import { setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { canaryRollout, createRollout, desiredByImage, getRollout } from '../support/rollouts.ts';

// The operator's verbs through the CLI, each a plain patch the controller acts on.
describe('operations', () => {
  const env = useControllerEnv('ops');
  const run = (...args: string[]) => env.run(...args);
  const healthyOn = (name: string, image: string) =>
    eventually(`${name} Healthy on ${image}`, async () => {
      const ro = await getRollout(env.c, env.namespace, name);
      const desired = await desiredByImage(env.c, env.namespace, name);
      const settled =
        ro.status?.phase === 'Healthy' &&
        ro.status.observedGeneration === ro.metadata.generation &&
        ro.status.stableRS === ro.status.currentPodHash &&
        ro.status.availableReplicas === ro.spec.replicas;
      return settled && desired[image] === (ro.spec.replicas ?? 1) ? ro : undefined;
    });

  it('pause holds a canary, resume releases it, promote --full skips the remaining steps', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('full', 'f:1', {
        replicas: 4,
        strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } },
      }),
    );
    await healthyOn('full', 'f:1');
    expect((await run('pause', 'full')).code).toBe(0);
    expect((await run('set', 'image', 'full', 'app=f:2')).code).toBe(0);
    await eventually('paused by the user, no canary yet', async () => {
      const ro = await getRollout(env.c, env.namespace, 'full');
      return ro.status?.phase === 'Paused' && ro.status.observedGeneration === ro.metadata.generation
        ? ro
        : undefined;
    });
    expect((await desiredByImage(env.c, env.namespace, 'full'))['f:2'] ?? 0).toBe(0);

    expect((await run('resume', 'full')).code).toBe(0);
    await eventually('at the first pause with one canary pod', async () => {
      const ro = await getRollout(env.c, env.namespace, 'full');
      const desired = await desiredByImage(env.c, env.namespace, 'full');
      return ro.status?.currentStepIndex === 1 && desired['f:2'] === 1 ? true : undefined;
    });
    expect((await run('promote', 'full', '--full')).code).toBe(0);
    const done = await healthyOn('full', 'f:2');
    expect(done.status?.promoteFull ?? false).toBe(false);
  });

  it('undo puts the previous revision back; --to-revision picks one', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('undo', 'u:1', { replicas: 2, strategy: { canary: { steps: [] } } }),
    );
    await healthyOn('undo', 'u:1');
    expect((await run('set', 'image', 'undo', 'app=u:2')).code).toBe(0);
    await healthyOn('undo', 'u:2');
    expect((await run('set', 'image', 'undo', 'app=u:3')).code).toBe(0);
    await healthyOn('undo', 'u:3');

    const undo = await run('undo', 'undo');
    expect(undo.stdout).toContain('rolled back to revision 2');
    await healthyOn('undo', 'u:2');
    expect((await run('undo', 'undo', '--to-revision', '1')).code).toBe(0);
    await healthyOn('undo', 'u:1');

    const missing = await run('undo', 'undo', '--to-revision', '42');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no revision 42/);
  });

  it('restart replaces every pod, one at a time', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('restart', 'x:1', { replicas: 3, strategy: { canary: { steps: [] } } }),
    );
    await healthyOn('restart', 'x:1');
    const before = await env.c.core.listNamespacedPod({
      namespace: env.namespace,
      labelSelector: 'app=restart',
    });
    expect((await run('restart', 'restart')).code).toBe(0);
    const restarted = await eventually('status.restartedAt recorded', async () => {
      const ro = await getRollout(env.c, env.namespace, 'restart');
      return ro.status?.restartedAt && ro.status.restartedAt === ro.spec.restartAt ? ro : undefined;
    });
    const after = await env.c.core.listNamespacedPod({
      namespace: env.namespace,
      labelSelector: 'app=restart',
    });
    const oldNames = new Set(before.items.map((p) => p.metadata?.name));
    const live = after.items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(live).toHaveLength(3);
    expect(live.some((p) => oldNames.has(p.metadata?.name))).toBe(false);
    const restartAt = Date.parse(restarted.spec.restartAt ?? '');
    // creationTimestamp has second precision
    for (const p of live)
      expect(p.metadata?.creationTimestamp?.getTime() ?? 0).toBeGreaterThanOrEqual(restartAt - 1000);
  });

  it('scales through the scale subresource, as kubectl scale and an HPA do', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('scaled', 's:1', { replicas: 2, strategy: { canary: { steps: [] } } }),
    );
    await healthyOn('scaled', 's:1');
    const scale = (await env.c.custom.getNamespacedCustomObjectScale({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'rollouts',
      name: 'scaled',
    })) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    expect(scale.spec.replicas).toBe(2);
    expect(scale.status.selector).toBe('app=scaled');
    await env.c.custom.patchNamespacedCustomObjectScale(
      {
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: env.namespace,
        plural: 'rollouts',
        name: 'scaled',
        body: { spec: { replicas: 5 } },
      },
      setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    const ro = await healthyOn('scaled', 's:1');
    expect(ro.spec.replicas).toBe(5);
    expect(ro.status?.availableReplicas).toBe(5);
  });

  it('reports clear errors for unknown rollouts and bad flags', async () => {
    const missing = await run('promote', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('rollout "nope" not found');
    const badFlag = await run('status', 'x', '--timeout', 'soon');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--timeout');
    const badImage = await run('set', 'image', 'restart', 'nocontainer=img:2');
    expect(badImage.code).toBe(1);
    expect(badImage.stderr).toContain('has no container "nocontainer"');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import {
  availableByImage,
  canaryRollout,
  createRollout,
  desiredByImage,
  getRollout,
  rolloutEvents,
} from '../support/rollouts.ts';

// The heart of the product on a real control plane: a canary advancing step by step, promoted,
// aborted and retried through the CLI, surviving a SIGKILL of the controller mid-pause.
describe('canary rollout', () => {
  const env = useControllerEnv('canary');
  beforeAll(async () => {
    for (const svc of ['web-canary', 'web-stable']) {
      await env.c.core.createNamespacedService({
        namespace: env.namespace,
        body: { metadata: { name: svc }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
    }
  });

  const run = (...args: string[]) => env.run(...args);
  const phase = async (name: string) => (await getRollout(env.c, env.namespace, name)).status?.phase;
  const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) =>
    eventually(what, probe, ms);
  const matches = async (name: string, expected: Record<string, number>) => {
    const [available, desired] = await Promise.all([
      availableByImage(env.c, env.namespace, name),
      desiredByImage(env.c, env.namespace, name),
    ]);
    // compare as sorted entries without zeros: the ReplicaSet list order is not stable
    const canonical = (m: Record<string, number>) =>
      JSON.stringify(
        Object.entries(m)
          .filter(([, n]) => n > 0)
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    if (canonical(available) === canonical(expected) && canonical(desired) === canonical(expected))
      return true;
    // thrown, not returned: eventually() reports the last error, so a timeout shows what was seen
    throw new Error(`available ${canonical(available)}, desired ${canonical(desired)}`);
  };

  it('advances 1/4 -> 3/2 -> paused -> promoted to 5 new pods, old scaled down after the delay', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web', 'web:1', {
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            scaleDownDelaySeconds: 3,
            steps: [{ setWeight: 20 }, { pause: { duration: '5s' } }, { setWeight: 60 }, { pause: {} }],
          },
        },
      }),
    );
    await until('first version Healthy with 5 pods', async () =>
      (await phase('web')) === 'Healthy' ? matches('web', { 'web:1': 5 }) : undefined,
    );

    expect((await run('set', 'image', 'web', 'app=web:2')).code).toBe(0);
    await until('1 canary / 4 stable', () => matches('web', { 'web:1': 4, 'web:2': 1 }));
    const atFirstStep = Date.now();
    await until('3 canary / 2 stable after the 5s pause', () => matches('web', { 'web:1': 2, 'web:2': 3 }));
    expect(Date.now() - atFirstStep).toBeGreaterThanOrEqual(4000);
    const paused = await until('Paused at step 3', async () => {
      const ro = await getRollout(env.c, env.namespace, 'web');
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === 3 ? ro : undefined;
    });
    expect(paused.status?.canary?.weights).toEqual({ canary: 60, stable: 40 });
    // the canary Service selects the new pods, the stable Service the old ones
    const canarySvc = await env.c.core.readNamespacedService({
      name: 'web-canary',
      namespace: env.namespace,
    });
    const stableSvc = await env.c.core.readNamespacedService({
      name: 'web-stable',
      namespace: env.namespace,
    });
    expect(canarySvc.spec?.selector?.['rollouts-pod-template-hash']).toBe(paused.status?.currentPodHash);
    expect(stableSvc.spec?.selector?.['rollouts-pod-template-hash']).toBe(paused.status?.stableRS);

    const view = await run('get', 'rollout', 'web');
    expect(view.stdout).toMatch(/→\s+3\s+pause \(until promoted\)/);

    expect((await run('promote', 'web')).code).toBe(0);
    await until('Healthy with 5 new pods', async () =>
      (await phase('web')) === 'Healthy' ? matches('web', { 'web:2': 5 }) : undefined,
    );
    const status = await run('status', 'web', '--timeout', '10s');
    expect(status.code).toBe(0);

    // events follow the status write that they describe
    const completions = async () =>
      (await rolloutEvents(env.c, env.namespace, 'web')).filter((e) => e.reason === 'RolloutStepCompleted');
    await eventually('four step completions', async () =>
      (await completions()).length >= 4 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await completions()).toHaveLength(4);
  });

  it('abort sends everything back to stable; retry starts the steps again', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('abort-me', 'app:1', {
        strategy: {
          canary: { abortScaleDownDelaySeconds: 0, steps: [{ setWeight: 40 }, { pause: {} }] },
        },
      }),
    );
    await until('Healthy', async () => ((await phase('abort-me')) === 'Healthy' ? true : undefined));
    expect((await run('set', 'image', 'abort-me', 'app=app:2')).code).toBe(0);
    await until('paused with 2 canary pods', async () =>
      (await phase('abort-me')) === 'Paused' ? matches('abort-me', { 'app:1': 3, 'app:2': 2 }) : undefined,
    );

    expect((await run('abort', 'abort-me')).code).toBe(0);
    await until('canary scaled down, stable full, Degraded', async () =>
      (await phase('abort-me')) === 'Degraded' ? matches('abort-me', { 'app:1': 5 }) : undefined,
    );
    const aborted = await getRollout(env.c, env.namespace, 'abort-me');
    expect(aborted.status?.canary?.weights).toEqual({ canary: 0, stable: 100 });
    expect((await run('status', 'abort-me', '--timeout', '5s')).code).toBe(1);

    expect((await run('retry', 'abort-me')).code).toBe(0);
    await until('canary back at step 0 weight', async () =>
      (await phase('abort-me')) === 'Paused' ? matches('abort-me', { 'app:1': 3, 'app:2': 2 }) : undefined,
    );
  });

  it('resumes a timed pause after SIGKILL without repeating or skipping a step', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('sturdy', 's:1', {
        replicas: 2,
        strategy: {
          canary: { steps: [{ setWeight: 50 }, { pause: { duration: '12s' } }, { setWeight: 100 }] },
        },
      }),
    );
    await until('Healthy', async () => ((await phase('sturdy')) === 'Healthy' ? true : undefined));
    expect((await run('set', 'image', 'sturdy', 'app=s:2')).code).toBe(0);
    const pausedAt = await until('in the timed pause', async () => {
      const ro = await getRollout(env.c, env.namespace, 'sturdy');
      const start = ro.status?.pauseConditions?.[0]?.startTime;
      return ro.status?.currentStepIndex === 1 && start ? Date.parse(start) : undefined;
    });
    // Kill in the middle of the pause, not between the status write that started it and its
    // events (a crash there loses those events by design: they are never written twice).
    await until('the pause event', async () =>
      (await rolloutEvents(env.c, env.namespace, 'sturdy')).some((e) => e.reason === 'RolloutPaused')
        ? true
        : undefined,
    );

    await env.controller.stop('SIGKILL');
    env.controller.start();
    // still in the same pause, with the same start time: the clock did not restart
    const during = await getRollout(env.c, env.namespace, 'sturdy');
    expect(during.status?.currentStepIndex).toBe(1);
    expect(Date.parse(during.status?.pauseConditions?.[0]?.startTime ?? '')).toBe(pausedAt);

    await until(
      'Healthy on the new version',
      async () => ((await phase('sturdy')) === 'Healthy' ? matches('sturdy', { 's:2': 2 }) : undefined),
      90_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(pausedAt + 12_000);
    // Events are created after the status write they describe: wait for them, then check none repeats.
    await eventually('three step completions', async () => {
      const all = await rolloutEvents(env.c, env.namespace, 'sturdy');
      return all.filter((e) => e.reason === 'RolloutStepCompleted').length >= 3 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const events = await rolloutEvents(env.c, env.namespace, 'sturdy');
    const steps = events.filter((e) => e.reason === 'RolloutStepCompleted').map((e) => e.message);
    // each of the three steps completed exactly once, in order
    expect(steps).toHaveLength(3);
    expect(new Set(steps).size).toBe(3);
  });
});

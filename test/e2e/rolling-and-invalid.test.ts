import { describe, expect, it } from 'vitest';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { bellwether } from '../support/cli.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout, replicaSetsOf } from '../support/rollouts.ts';

describe('rolling update and invalid input', () => {
  const env = useControllerEnv('rolling');

  const phase = async (name: string) => (await getRollout(env.c, env.namespace, name)).status?.phase;

  it('honours maxUnavailable at every observed moment of a rolling update', async () => {
    // minReadySeconds slows each pod's availability to a pace the sampler can watch
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('roll', 'r:1', {
        replicas: 6,
        minReadySeconds: 1,
        strategy: { rolling: { maxSurge: 1, maxUnavailable: 1 } },
      }),
    );
    await eventually('Healthy', async () => ((await phase('roll')) === 'Healthy' ? true : undefined));

    // Sample available pods (what the ReplicaSets report) from before the change until it is done.
    const samples: { available: number; pods: number }[] = [];
    let done = false;
    const sampler = (async () => {
      const deadline = Date.now() + 120_000;
      while (!done && Date.now() < deadline) {
        const ro = await getRollout(env.c, env.namespace, 'roll');
        const sets = await replicaSetsOf(env.c, ro);
        const available = sets.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
        // maxSurge bounds the pods asked for (spec), as for a Deployment; pods still terminating may linger
        const pods = sets.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        samples.push({ available, pods });
        const newRs = sets.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'r:2');
        done =
          ro.status?.phase === 'Healthy' &&
          ro.status.stableRS === ro.status.currentPodHash &&
          (newRs?.status?.availableReplicas ?? 0) === 6 &&
          available === 6;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(
      (await bellwether(env.kubeconfig, ['set', 'image', 'roll', 'app=r:2', '-n', env.namespace])).code,
    ).toBe(0);
    await sampler;
    expect(done).toBe(true);
    expect(samples.length).toBeGreaterThan(10);
    // maxUnavailable 1: never fewer than 5 available; maxSurge 1: never more than 7 pods asked for
    const trace = samples.map((s) => `${s.available}/${s.pods}`).join(' ');
    expect(
      Math.min(...samples.map((s) => s.available)),
      `available/pods samples: ${trace}`,
    ).toBeGreaterThanOrEqual(5);
    expect(Math.max(...samples.map((s) => s.pods)), `available/pods samples: ${trace}`).toBeLessThanOrEqual(
      7,
    );
  });

  it('rejects a schema violation at the API server, naming the field', async () => {
    const bad = canaryRollout('bad-weight', 'x:1', { strategy: { canary: { steps: [{ setWeight: 150 }] } } });
    await expect(createRollout(env.c, env.namespace, bad)).rejects.toThrow(/setWeight/);
  });

  it('marks a Rollout naming a missing Service InvalidSpec and keeps serving the others', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('no-svc', 'n:1', {
        strategy: {
          canary: {
            canaryService: 'does-not-exist',
            stableService: 'also-missing',
            steps: [{ setWeight: 50 }],
          },
        },
      }),
    );
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('fine', 'f:1', { replicas: 1, strategy: { canary: { steps: [] } } }),
    );
    const invalid = await eventually('InvalidSpec', async () => {
      const ro: RolloutObject = await getRollout(env.c, env.namespace, 'no-svc');
      return ro.status?.conditions?.find((x) => x.type === 'InvalidSpec' && x.status === 'True')
        ? ro
        : undefined;
    });
    expect(invalid.status?.phase).toBe('Degraded');
    expect(invalid.status?.message).toContain('spec.strategy.canary.canaryService');
    expect(invalid.status?.message).toContain('does-not-exist');
    await eventually('the valid Rollout is Healthy', async () =>
      (await phase('fine')) === 'Healthy' ? true : undefined,
    );

    // creating the Services fixes it without touching the Rollout
    for (const svc of ['does-not-exist', 'also-missing']) {
      await env.c.core.createNamespacedService({
        namespace: env.namespace,
        body: { metadata: { name: svc }, spec: { selector: { app: 'no-svc' }, ports: [{ port: 80 }] } },
      });
    }
    await eventually('Healthy once the Services exist', async () =>
      (await phase('no-svc')) === 'Healthy' ? true : undefined,
    );
  });

  it('refuses a step it cannot carry out (InvalidSpec naming the step) and keeps the stable version', async () => {
    const steps = [
      { setWeight: 50 },
      { experiment: { templates: [{ name: 'c', specRef: 'canary', weight: 10 }] } },
    ];
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('gate', 'g:1', { replicas: 2, strategy: { canary: { steps } } }),
    );
    const invalid = await eventually('InvalidSpec', async () => {
      const got = await getRollout(env.c, env.namespace, 'gate');
      return got.status?.phase === 'Degraded' ? got : undefined;
    });
    expect(invalid.status?.message).toMatch(
      /spec\.strategy\.canary\.steps\[1\]\.experiment\.templates\[0\]\.weight: /,
    );
    const condition = invalid.status?.conditions?.find((c) => c.type === 'InvalidSpec');
    expect(condition?.status).toBe('True');
    // nothing was rolled out past the gate: no ReplicaSet was created for a step it cannot run
    expect(await replicaSetsOf(env.c, invalid)).toEqual([]);
  });

  it('flags a selector that does not match the template labels', async () => {
    const ro = canaryRollout('mismatch', 'm:1', { replicas: 1, strategy: { rolling: {} } }) as {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    ro.spec.selector.matchLabels = { app: 'other' };
    await createRollout(env.c, env.namespace, ro);
    const invalid = await eventually('InvalidSpec', async () => {
      const got = await getRollout(env.c, env.namespace, 'mismatch');
      return got.status?.phase === 'Degraded' ? got : undefined;
    });
    expect(invalid.status?.message).toMatch(/selector/);
  });
});

import { describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { createRollout, desiredByImage, getRollout, rolloutEvents } from '../support/rollouts.ts';
import {
  createRolloutGroup,
  getRolloutGroup,
  memberRollout,
  sampleUntil,
  settled,
  started,
} from '../support/rollout-groups.ts';

// Ordered stages on a real control plane: the frontend's canary starts only once the backend is
// Healthy on its new version; an aborted backend leaves the frontend on its stable version; a
// controller SIGKILLed during a stage resumes it with no step done twice.
describe('RolloutGroup stages', () => {
  const env = useControllerEnv('group');
  const ns = () => env.namespace;
  const steps = [{ setWeight: 50 }, { pause: { duration: '2s' } }];
  const twoStages = (prefix: string) => ({
    members: { rollouts: [`${prefix}backend`, `${prefix}frontend`] },
    stages: [
      { name: 'backend', rollouts: [`${prefix}backend`] },
      { name: 'frontend', rollouts: [`${prefix}frontend`], dependsOn: ['backend'] },
    ],
  });
  const healthyOn = async (name: string) => {
    const ro = await getRollout(env.c, ns(), name);
    return settled(ro) ? ro : undefined;
  };

  it('starts the frontend only after the backend is Healthy; an aborted backend leaves the frontend stable', async () => {
    await createRollout(env.c, ns(), memberRollout('backend', 'backend:1', steps));
    await createRollout(env.c, ns(), memberRollout('frontend', 'frontend:1', steps));
    await createRolloutGroup(env.c, ns(), 'release', twoStages(''));
    await eventually('both Healthy on version 1', async () =>
      (await healthyOn('backend')) && (await healthyOn('frontend')) ? true : undefined,
    );
    await eventually('the group Healthy', async () =>
      (await getRolloutGroup(env.c, ns(), 'release')).status?.phase === 'Healthy' ? true : undefined,
    );

    // One release of both, as one Git commit would make it: the frontend first, even.
    expect((await env.run('set', 'image', 'frontend', 'app=frontend:2')).code).toBe(0);
    expect((await env.run('set', 'image', 'backend', 'app=backend:2')).code).toBe(0);
    const waiting = await eventually('the frontend waiting for stage backend', async () => {
      const ro = await getRollout(env.c, ns(), 'frontend');
      return ro.status?.message?.includes('waiting for stage backend') ? ro : undefined;
    });
    expect(waiting.status?.phase).toBe('Progressing');
    const group = await getRolloutGroup(env.c, ns(), 'release');
    expect(group.status?.members?.find((m) => m.name === 'frontend')).toMatchObject({
      state: 'Waiting',
      stage: 'frontend',
      message: 'waiting for stage backend',
    });
    expect(group.status?.currentStages).toEqual(['backend']);

    // Sampled every 100 ms: the frontend read first, then the backend, so a frontend seen
    // started with a backend read after it not yet Healthy is a real violation.
    const samples = await sampleUntil(
      'the frontend Healthy on version 2',
      async () => {
        const frontend = await getRollout(env.c, ns(), 'frontend');
        const frontendPods = await desiredByImage(env.c, ns(), 'frontend');
        const backend = await getRollout(env.c, ns(), 'backend');
        return {
          frontendStarted: started(frontend) || (frontendPods['frontend:2'] ?? 0) > 0,
          frontendDone: settled(frontend),
          backendDone: settled(backend),
        };
      },
      (s) => s.frontendDone,
    );
    expect(samples.filter((s) => s.frontendStarted && !s.backendDone)).toEqual([]);
    expect(samples.some((s) => !s.frontendStarted && !s.backendDone)).toBe(true);
    expect(samples.some((s) => s.frontendStarted && s.backendDone)).toBe(true);

    // Version 3 of both; the backend is aborted in its canary: the frontend never starts.
    const stableFrontend = (await getRollout(env.c, ns(), 'frontend')).status?.stableRS;
    expect((await env.run('set', 'image', 'backend', 'app=backend:3')).code).toBe(0);
    expect((await env.run('set', 'image', 'frontend', 'app=frontend:3')).code).toBe(0);
    await eventually('the backend canary at its pause', async () => {
      const ro = await getRollout(env.c, ns(), 'backend');
      return started(ro) && ro.status?.currentStepIndex === 1 ? true : undefined;
    });
    expect((await env.run('abort', 'backend')).code).toBe(0);
    await eventually('the backend Degraded', async () =>
      (await getRollout(env.c, ns(), 'backend')).status?.phase === 'Degraded' ? true : undefined,
    );
    const degraded = await eventually('the group Degraded', async () => {
      const g = await getRolloutGroup(env.c, ns(), 'release');
      return g.status?.phase === 'Degraded' ? g : undefined;
    });
    expect(degraded.status?.members?.find((m) => m.name === 'frontend')).toMatchObject({
      state: 'Waiting',
      message: 'stage backend aborted (backend): the stages after it wait',
    });
    // Longer than the backend's whole canary would have taken: the frontend stays put.
    await new Promise((r) => setTimeout(r, 4000));
    const frontend = await getRollout(env.c, ns(), 'frontend');
    expect(started(frontend)).toBe(false);
    expect(frontend.status?.stableRS).toBe(stableFrontend);
    expect(frontend.status?.message).toContain('stage backend aborted');
    const pods = await desiredByImage(env.c, ns(), 'frontend');
    expect(pods['frontend:2']).toBe(2);
    expect(pods['frontend:3'] ?? 0).toBe(0);
  });

  it('resumes a stage after a controller SIGKILL with nothing repeated', async () => {
    const slow = [{ setWeight: 50 }, { pause: { duration: '6s' } }];
    await createRollout(env.c, ns(), memberRollout('k-backend', 'kb:1', slow));
    await createRollout(env.c, ns(), memberRollout('k-frontend', 'kf:1', slow));
    await createRolloutGroup(env.c, ns(), 'killed', twoStages('k-'));
    await eventually('both Healthy on version 1', async () =>
      (await healthyOn('k-backend')) && (await healthyOn('k-frontend')) ? true : undefined,
    );
    expect((await env.run('set', 'image', 'k-backend', 'app=kb:2')).code).toBe(0);
    expect((await env.run('set', 'image', 'k-frontend', 'app=kf:2')).code).toBe(0);
    await eventually('the backend in its timed pause, its pause event written', async () => {
      const ro = await getRollout(env.c, ns(), 'k-backend');
      const events = await rolloutEvents(env.c, ns(), 'k-backend');
      return ro.status?.currentStepIndex === 1 && events.some((e) => e.reason === 'RolloutPaused')
        ? true
        : undefined;
    });
    const before = await getRolloutGroup(env.c, ns(), 'killed');
    expect(before.status?.currentStages).toEqual(['backend']);

    await env.controller.stop('SIGKILL');
    env.controller.start();

    await eventually(
      'both Healthy on version 2',
      async () => ((await healthyOn('k-backend')) && (await healthyOn('k-frontend')) ? true : undefined),
      90_000,
    );
    const after = await getRolloutGroup(env.c, ns(), 'killed');
    expect(after.status?.phase).toBe('Healthy');
    // Every step of each Rollout started and completed exactly once over the whole release.
    for (const name of ['k-backend', 'k-frontend']) {
      const events = (await rolloutEvents(env.c, ns(), name)).filter((e) =>
        ['RolloutStepStarted', 'RolloutStepCompleted', 'RolloutCompleted', 'RolloutPaused'].includes(
          e.reason ?? '',
        ),
      );
      const seen = events.map((e) => `${e.reason}: ${e.message}`);
      expect(new Set(seen).size, `${name}: ${seen.join(' | ')}`).toBe(seen.length);
      expect(
        events.every((e) => (e.count ?? 1) === 1),
        name,
      ).toBe(true);
      expect(
        seen.filter((s) => s.startsWith('RolloutStepCompleted')),
        name,
      ).toHaveLength(2);
    }
    // The frontend's new version started after the backend completed, across the restart.
    const backendDone = (await rolloutEvents(env.c, ns(), 'k-backend')).find(
      (e) => e.reason === 'RolloutCompleted',
    );
    const frontendFirst = Math.min(
      ...(await rolloutEvents(env.c, ns(), 'k-frontend'))
        .filter((e) => e.reason === 'RolloutStepStarted')
        .map((e) => Date.parse(String(e.firstTimestamp ?? ''))),
    );
    expect(frontendFirst).toBeGreaterThanOrEqual(Date.parse(String(backendDone?.firstTimestamp ?? '')));
  });
});

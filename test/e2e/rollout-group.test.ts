import { describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { createRollout, desiredByImage, getRollout, rolloutEvents } from '../support/rollouts.ts';
import {
  createRolloutGroup,
  getRolloutGroup,
  memberRollout,
  RolloutsView,
  sampleUntil,
  abortRollout,
  setImage,
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

    // Every version of the Rollouts, as a watch delivers them: a message written for a moment
    // is seen even when no poll would have caught it.
    const view = await RolloutsView.start(env.c, ns());
    const startedEarly: string[] = [];
    view.onChange((v) => {
      const frontend = v.get('frontend');
      const backend = v.get('backend');
      // from the moment the frontend's template asks for version 2 (before, "started" is version 1)
      const released = frontend?.spec.template?.spec?.containers[0]?.image === 'frontend:2';
      if (frontend && backend && released && started(frontend) && !settled(backend))
        startedEarly.push(frontend.metadata.resourceVersion ?? '');
    });
    // One release of both, as one Git commit applies them (within milliseconds).
    await setImage(env.c, ns(), 'backend', 'backend:2');
    await setImage(env.c, ns(), 'frontend', 'frontend:2');
    const waiting = await eventually('the frontend waiting for stage backend', () =>
      Promise.resolve(
        view.history.find(
          (ro) =>
            ro.metadata.name === 'frontend' && ro.status?.message?.includes('waiting for stage backend'),
        ),
      ),
    );
    expect(waiting.status?.phase).toBe('Progressing');
    expect(waiting.status?.message).toBe('Waiting: RolloutGroup release: waiting for stage backend');
    // what it said before the group's decision reached it: never a state passed off as a reason
    for (const ro of view.history.filter(
      (r) => r.metadata.name === 'frontend' && r.status?.message?.startsWith('Waiting:'),
    ))
      expect(ro.status?.message).toMatch(
        /^Waiting: RolloutGroup release: (waiting for stage backend|the group has not decided on its new version yet)$/,
      );
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
    view.stop();
    expect(samples.filter((s) => s.frontendStarted && !s.backendDone)).toEqual([]);
    expect(startedEarly, 'revisions with the frontend started before the backend was Healthy').toEqual([]);
    expect(samples.some((s) => !s.frontendStarted && !s.backendDone)).toBe(true);
    expect(samples.some((s) => s.frontendStarted && s.backendDone)).toBe(true);

    // Version 3 of both; the backend is aborted in its canary: the frontend never starts.
    const stableFrontend = (await getRollout(env.c, ns(), 'frontend')).status?.stableRS;
    await setImage(env.c, ns(), 'backend', 'backend:3');
    await setImage(env.c, ns(), 'frontend', 'frontend:3');
    await eventually('the backend canary at its pause', async () => {
      const ro = await getRollout(env.c, ns(), 'backend');
      return started(ro) && (ro.status?.currentStepIndex ?? 0) <= 1 ? true : undefined;
    });
    // what `bellwether abort backend` writes (the CLI takes seconds to start on a loaded machine)
    await abortRollout(env.c, ns(), 'backend');
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
    const shown = await env.run('group', 'get', 'release');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Phase: +Degraded - member backend aborted/);
    expect(shown.stdout).toMatch(/frontend +frontend +Waiting +\S+ +- +stage backend aborted \(backend\)/);
    const pods = await desiredByImage(env.c, ns(), 'frontend');
    expect(pods['frontend:2']).toBe(2);
    expect(pods['frontend:3'] ?? 0).toBe(0);
  });

  it('resumes a stage after a controller SIGKILL with nothing repeated', async () => {
    const slow = [{ setWeight: 50 }, { pause: { duration: '10s' } }];
    await createRollout(env.c, ns(), memberRollout('k-backend', 'kb:1', slow));
    await createRollout(env.c, ns(), memberRollout('k-frontend', 'kf:1', slow));
    await createRolloutGroup(env.c, ns(), 'killed', twoStages('k-'));
    await eventually('both Healthy on version 1', async () =>
      (await healthyOn('k-backend')) && (await healthyOn('k-frontend')) ? true : undefined,
    );
    await setImage(env.c, ns(), 'k-backend', 'kb:2');
    await setImage(env.c, ns(), 'k-frontend', 'kf:2');
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
    // the group's status follows its members' (one watch event later)
    await eventually('the group Healthy', async () =>
      (await getRolloutGroup(env.c, ns(), 'killed')).status?.phase === 'Healthy' ? true : undefined,
    );
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

  it('group abort stops the members in progress and starts nothing; group retry lets them go on', async () => {
    const held = [{ setWeight: 50 }, { pause: {} }];
    await createRollout(env.c, ns(), memberRollout('a-backend', 'ab:1', held));
    await createRollout(env.c, ns(), memberRollout('a-frontend', 'af:1', held));
    await createRolloutGroup(env.c, ns(), 'aborting', twoStages('a-'));
    await eventually('both Healthy on version 1', async () =>
      (await healthyOn('a-backend')) && (await healthyOn('a-frontend')) ? true : undefined,
    );
    await setImage(env.c, ns(), 'a-backend', 'ab:2');
    await setImage(env.c, ns(), 'a-frontend', 'af:2');
    await eventually('the backend paused at its step', async () =>
      (await getRollout(env.c, ns(), 'a-backend')).status?.phase === 'Paused' ? true : undefined,
    );
    const aborted = await env.run('group', 'abort', 'aborting');
    expect(aborted.code, aborted.stderr).toBe(0);
    await eventually('the backend aborted by the group', async () =>
      (await getRollout(env.c, ns(), 'a-backend')).status?.phase === 'Degraded' ? true : undefined,
    );
    const group = await eventually('the group Degraded', async () => {
      const g = await getRolloutGroup(env.c, ns(), 'aborting');
      return g.status?.phase === 'Degraded' && g.status.members?.some((m) => m.state === 'Aborted')
        ? g
        : undefined;
    });
    expect(group.status?.members?.find((m) => m.name === 'a-frontend')).toMatchObject({ state: 'Waiting' });
    expect(started(await getRollout(env.c, ns(), 'a-frontend'))).toBe(false);

    const retried = await env.run('group', 'retry', 'aborting');
    expect(retried.code, retried.stderr).toBe(0);
    await eventually('the backend paused at its step again', async () => {
      const ro = await getRollout(env.c, ns(), 'a-backend');
      return ro.status?.phase === 'Paused' && !ro.status.abort ? true : undefined;
    });
    const promoted = await env.run('group', 'promote', 'aborting');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain('rollout "a-backend" promoted');
    await eventually('the backend Healthy, then the frontend paused at its step', async () =>
      (await healthyOn('a-backend')) &&
      (await getRollout(env.c, ns(), 'a-frontend')).status?.phase === 'Paused'
        ? true
        : undefined,
    );
  });
});

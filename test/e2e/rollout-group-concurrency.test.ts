import { describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { createRollout, getRollout } from '../support/rollouts.ts';
import { podTemplateHash } from '../../src/controller/pod-template-hash.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import {
  createRolloutGroup,
  getRolloutGroup,
  inProgress,
  listRollouts,
  memberRollout,
  RolloutsView,
  sampleEvery,
  setImage,
  settled,
  started,
} from '../support/rollout-groups.ts';

// Lockstep and a concurrency cap on a real control plane, watched: a watch of the namespace's
// Rollouts feeds an in-memory view, checked at every revision it goes through and sampled every
// 100 ms (reading the view costs no request, so the interval holds under load).
describe('RolloutGroup lockstep and maxInProgress', () => {
  const env = useControllerEnv('group-cc');
  const ns = () => env.namespace;
  const members = async (label: string) =>
    (await listRollouts(env.c, ns())).filter((ro) => ro.metadata.labels?.group === label);
  /** The step a member is at on its new version: 0 until it has started it. */
  const stepOf = (ro: RolloutObject) => (started(ro) ? (ro.status?.currentStepIndex ?? 0) : 0);
  const allSettledOn = (ros: RolloutObject[], image: (name: string) => string) =>
    ros.length > 0 &&
    ros.every(
      (ro) => settled(ro) && ro.spec.template?.spec?.containers[0]?.image === image(ro.metadata.name),
    );

  it('keeps three zones within one step of each other through 3 steps', async () => {
    // Same three steps, different pause lengths: without lockstep zone-a would finish long
    // before zone-c.
    const pauses: Record<string, string> = { 'zone-a': '1s', 'zone-b': '2s', 'zone-c': '5s' };
    for (const [name, pause] of Object.entries(pauses)) {
      await createRollout(
        env.c,
        ns(),
        memberRollout(
          name,
          `${name}:1`,
          [{ setWeight: 30 }, { pause: { duration: pause } }, { setWeight: 60 }],
          {
            group: 'zones',
          },
        ),
      );
    }
    await createRolloutGroup(env.c, ns(), 'zones', {
      members: { selector: { matchLabels: { group: 'zones' } } },
      lockstep: true,
    });
    await eventually('the zones Healthy on version 1', async () =>
      allSettledOn(await members('zones'), (n) => `${n}:1`) ? true : undefined,
    );
    await eventually('the group Healthy', async () =>
      (await getRolloutGroup(env.c, ns(), 'zones')).status?.phase === 'Healthy' ? true : undefined,
    );

    // A watch feeds an in-memory view of the namespace: every state it goes through is checked
    // (each watch event is one etcd revision), and the view is also sampled every 100 ms.
    const view = await RolloutsView.start(env.c, ns());
    const zones = () => view.list().filter((ro) => ro.metadata.labels?.group === 'zones');
    const released = (ros: RolloutObject[]) =>
      ros.length === 3 &&
      ros.every((ro) => ro.spec.template?.spec?.containers[0]?.image === `${ro.metadata.name}:2`);
    const spreadOf = (ros: RolloutObject[]) => {
      const steps = ros.map(stepOf);
      return Math.max(...steps) - Math.min(...steps);
    };
    const revisions: number[] = [];
    view.onChange(() => {
      const ros = zones();
      if (released(ros)) revisions.push(spreadOf(ros));
    });
    for (const name of Object.keys(pauses)) await setImage(env.c, ns(), name, `${name}:2`);
    const { samples, meanIntervalMs } = await sampleEvery(
      'every zone Healthy on version 2',
      () => zones(),
      (ros) => allSettledOn(ros, (n) => `${n}:2`),
    );
    view.stop();
    const sampled = samples.filter(released);
    const spreads = sampled.map(spreadOf);
    expect(
      Math.max(...spreads),
      `steps over time: ${sampled.map((ros) => ros.map(stepOf).join('/')).join(' ')}`,
    ).toBeLessThanOrEqual(1);
    expect(Math.max(...revisions), 'spread at some watched revision').toBeLessThanOrEqual(1);
    // The limit did hold someone: zone-a waited at a step for the others (its message says so).
    expect(
      view.history.some((ro) => ro.metadata.name === 'zone-a' && ro.status?.message?.includes('lockstep')),
    ).toBe(true);
    // and every zone went through all three steps.
    expect(sampled.some((ros) => ros.every((ro) => started(ro) && stepOf(ro) >= 2))).toBe(true);
    console.log(
      `[lockstep] ${samples.length} samples, mean interval ${meanIntervalMs.toFixed(1)} ms, largest spread ${Math.max(...spreads)} step(s); ${revisions.length} watched revisions, largest spread ${Math.max(...revisions)}`,
    );
  });

  it('runs at most 2 of 5 members at once, and all 5 finish', async () => {
    const names = ['svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5'];
    for (const name of names) {
      await createRollout(
        env.c,
        ns(),
        memberRollout(name, `${name}:1`, [{ setWeight: 50 }, { pause: { duration: '1s' } }], {
          group: 'capped',
        }),
      );
    }
    await createRolloutGroup(env.c, ns(), 'capped', {
      members: { selector: { matchLabels: { group: 'capped' } } },
      maxInProgress: 2,
    });
    await eventually('all five Healthy on version 1', async () =>
      allSettledOn(await members('capped'), (n) => `${n}:1`) ? true : undefined,
    );
    await eventually('the group Healthy', async () =>
      (await getRolloutGroup(env.c, ns(), 'capped')).status?.phase === 'Healthy' ? true : undefined,
    );

    const view = await RolloutsView.start(env.c, ns());
    const capped = () => view.list().filter((ro) => ro.metadata.labels?.group === 'capped');
    const atRevision: number[] = [];
    view.onChange(() => atRevision.push(capped().filter(inProgress).length));
    for (const name of names) await setImage(env.c, ns(), name, `${name}:2`);
    const waitingSeen = eventually('a member waiting for a slot', async () => {
      const group = await getRolloutGroup(env.c, ns(), 'capped');
      return group.status?.members?.find((m) => m.message?.startsWith('waiting for a slot'));
    });
    const { samples, meanIntervalMs } = await sampleEvery(
      'all five Healthy on version 2',
      () => capped(),
      (ros) => allSettledOn(ros, (n) => `${n}:2`),
    );
    view.stop();
    const counts = samples.map((ros) => ros.filter(inProgress).length);
    expect(Math.max(...counts), `in progress over time: ${counts.join(' ')}`).toBeLessThanOrEqual(2);
    expect(Math.max(...atRevision), 'in progress at some watched revision').toBeLessThanOrEqual(2);
    expect(Math.max(...counts)).toBe(2);
    expect((await waitingSeen).state).toBe('Waiting');
    // Each member's new version was started once: one new ReplicaSet each, and it is the stable one.
    for (const name of names) {
      const ro = await getRollout(env.c, ns(), name);
      expect(ro.status?.stableRS).toBe(podTemplateHash(ro.spec.template));
    }
    console.log(
      `[cap] ${samples.length} samples, mean interval ${meanIntervalMs.toFixed(1)} ms, at most ${Math.max(...counts)} in progress; ${atRevision.length} watched revisions, at most ${Math.max(...atRevision)}`,
    );
  });
});

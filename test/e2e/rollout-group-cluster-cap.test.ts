import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { ControllerProcess } from '../support/controller-process.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { createRollout } from '../support/rollouts.ts';
import {
  inProgress,
  memberRollout,
  RolloutsView,
  sampleEvery,
  setImage,
  settled,
} from '../support/rollout-groups.ts';

const group = 'bellwether.dev';
const version = 'v1alpha1';
const instanceAnnotation = 'bellwether.dev/instance-id';

// A ClusterRolloutGroup on a real control plane: a cap of 2 per value of the label `team`, over
// Rollouts of two namespaces, decided by a controller that watches every namespace (sharded by
// --instance-id so it touches only this test's objects). A watch of this run's Rollouts in both
// namespaces feeds one in-memory view (one stream, so every state it shows is one etcd revision):
// never more than 2 of a team in progress, at any revision or sample, across a controller SIGKILL
// while the cap is full; all finish.
describe('ClusterRolloutGroup: a cap across namespaces', () => {
  const kubeconfig = inject('kubeconfig');
  const run = Math.random().toString(36).slice(2, 8);
  const instance = `cap-${run}`;
  let c: Clients;
  let namespaces: { name: string; cleanup: () => Promise<void> }[] = [];
  let controller: ControllerProcess;
  const capName = `teams-${run}`;

  beforeAll(async () => {
    c = clients();
    namespaces = [await testNamespace(c, 'cap-a'), await testNamespace(c, 'cap-b')];
    controller = new ControllerProcess(kubeconfig, `controller-cluster-cap-${run}`, [
      '--instance-id',
      instance,
    ]);
    controller.start();
  });
  afterAll(async () => {
    await controller.stop();
    await c.custom
      .deleteClusterCustomObject({ group, version, plural: 'clusterrolloutgroups', name: capName })
      .catch(() => undefined);
    for (const ns of namespaces) await ns.cleanup();
  });

  const getCap = async () =>
    (await c.custom.getClusterCustomObject({
      group,
      version,
      plural: 'clusterrolloutgroups',
      name: capName,
    })) as {
      metadata: { generation?: number };
      status?: {
        phase?: string;
        observedGeneration?: number;
        members?: { namespace: string; name: string; state: string; message?: string }[];
      };
    };

  it('never runs more than 2 of a team at once, across namespaces; all finish', async () => {
    const [a, b] = namespaces.map((ns) => ns.name);
    if (!a || !b) throw new Error('two namespaces expected');
    // payments: 2 in each namespace (4 over the cap's partition); search: 1 in each
    const members: [string, string, string][] = [
      [a, 'pay-1', 'payments'],
      [a, 'pay-2', 'payments'],
      [b, 'pay-3', 'payments'],
      [b, 'pay-4', 'payments'],
      [a, 'search-1', 'search'],
      [b, 'search-2', 'search'],
    ];
    const steps = [{ setWeight: 50 }, { pause: { duration: '2s' } }];
    for (const [ns, name, team] of members) {
      const body = memberRollout(name, `${name}:1`, steps, { team, run }) as {
        metadata: { annotations?: Record<string, string> };
      };
      body.metadata.annotations = { [instanceAnnotation]: instance };
      await createRollout(c, ns, body);
    }
    await c.custom.createClusterCustomObject({
      group,
      version,
      plural: 'clusterrolloutgroups',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'ClusterRolloutGroup',
        metadata: { name: capName, annotations: { [instanceAnnotation]: instance } },
        spec: { selector: { matchLabels: { run } }, maxInProgress: 2, per: 'Label', perLabel: 'team' },
      },
    });
    const view = await RolloutsView.start(c, undefined, `run=${run}`);
    const image = (ro: RolloutObject) => ro.spec.template?.spec?.containers[0]?.image;
    const allOn = (v: string) => {
      const ros = view.list();
      return (
        ros.length === members.length &&
        ros.every((ro) => settled(ro) && image(ro) === `${ro.metadata.name}:${v}`)
      );
    };
    await eventually(
      'all six Healthy on version 1',
      () => Promise.resolve(allOn('1') ? true : undefined),
      120_000,
    );
    await eventually('the cap has decided its spec', async () => {
      const cap = await getCap();
      return cap.status?.observedGeneration === cap.metadata.generation ? cap : undefined;
    });

    const perTeam = (ros: RolloutObject[]) => {
      const count = (team: string) =>
        ros.filter((ro) => ro.metadata.labels?.team === team && inProgress(ro)).length;
      return { payments: count('payments'), search: count('search') };
    };
    const atRevision: { payments: number; search: number }[] = [];
    view.onChange((v) => atRevision.push(perTeam(v.list())));
    for (const [ns, name] of members) await setImage(c, ns, name, `${name}:2`);
    const waitingSeen = eventually('a payments member waiting for a slot', async () =>
      (await getCap()).status?.members?.find((m) => m.message?.includes('waiting for a slot')),
    );
    // Once the cap is full and someone waits (the grants and the queue live only in the cap's
    // status), the controller is SIGKILLed and started again: the cap goes on holding.
    let killedAt = 0;
    const restarted = waitingSeen.then(async () => {
      await controller.stop('SIGKILL');
      killedAt = atRevision.length;
      controller.start();
    });
    const { samples, meanIntervalMs } = await sampleEvery(
      'all six Healthy on version 2',
      () => ({ ...perTeam(view.list()), done: allOn('2') }),
      (s) => s.done,
      100,
      240_000,
    );
    await restarted;
    view.stop();
    expect(killedAt, 'revisions watched after the restart').toBeLessThan(atRevision.length);
    const most = (team: 'payments' | 'search', of: { payments: number; search: number }[]) =>
      Math.max(...of.map((s) => s[team]));
    expect(
      most('payments', samples),
      `payments in progress: ${samples.map((s) => s.payments).join(' ')}`,
    ).toBeLessThanOrEqual(2);
    expect(most('payments', atRevision), 'payments in progress at some watched revision').toBeLessThanOrEqual(
      2,
    );
    expect(most('search', atRevision)).toBeLessThanOrEqual(2);
    // the cap was reached, and a member of the other namespace waited for it
    expect(most('payments', samples)).toBe(2);
    const waited = await waitingSeen;
    expect(waited.message).toMatch(
      /^waiting for a slot: 2 of maxInProgress 2 in progress for team=payments$/,
    );
    // the member's own status said why it waited, naming the cap
    expect(
      view.history.some(
        (ro) => ro.status?.message === `Waiting: ClusterRolloutGroup ${capName}: ${waited.message ?? ''}`,
      ),
    ).toBe(true);
    await eventually('the cap Healthy', async () =>
      (await getCap()).status?.phase === 'Healthy' ? true : undefined,
    );
    console.log(
      `[cluster cap] ${samples.length} samples, mean interval ${meanIntervalMs.toFixed(1)} ms, at most ${most('payments', samples)} payments and ${most('search', samples)} search in progress; ${atRevision.length} watched revisions, at most ${most('payments', atRevision)} payments`,
    );
  });
});

import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ControllerProcess } from '../support/controller-process.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout, rolloutEvents } from '../support/rollouts.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { bellwether } from '../support/cli.ts';

/**
 * Durable events (docs/notifications.md, "Delivery"): a real controller process is SIGKILLed
 * right after the status write that pauses a canary, before that write's Event and webhook are
 * delivered (BELLWETHER_FAULT_KILL_AFTER_STATUS_WRITE; the code path is the production one). The
 * entry is then in status.outbox; a restarted controller delivers it: the Event exists exactly
 * once and the webhook receives the notification exactly once, with its id.
 */
describe('an Event and a notification survive a kill between the status write and the delivery', () => {
  const kubeconfig = inject('kubeconfig');
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  const receiver = new WebhookReceiver();
  const controllers: ControllerProcess[] = [];
  const controller = (name: string, env: Record<string, string> = {}) => {
    const p = new ControllerProcess(
      kubeconfig,
      `${name}-${ns.name}`,
      [
        '--namespace',
        ns.name,
        '--notifications-configmap',
        `${ns.name}/bellwether-notifications`,
        '--leader-elect=false',
      ],
      env,
    );
    controllers.push(p);
    p.start();
    return p;
  };

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'fault-events');
    const base = await receiver.start();
    await c.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: {
        metadata: { name: 'bellwether-notifications' },
        data: {
          'service.webhook.team': `url: ${base}/team\n`,
          subscriptions: '- triggers: [on-rollout-paused]\n  services: [team]\n',
        },
      },
    });
    for (const svc of ['web-canary', 'web-stable'])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name: svc }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
  });
  afterAll(async () => {
    for (const p of controllers) await p.stop('SIGKILL');
    await receiver.stop();
    await ns.cleanup();
  });

  it('finds the Event and the notification exactly once after the restart', async () => {
    const killed = controller('controller-killed', {
      BELLWETHER_FAULT_KILL_AFTER_STATUS_WRITE: 'RolloutPaused',
    });
    await createRollout(
      c,
      ns.name,
      canaryRollout('web', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            steps: [{ setWeight: 50 }, { pause: {} }],
          },
        },
      }),
    );
    await eventually('web Healthy', async () =>
      (await getRollout(c, ns.name, 'web')).status?.phase === 'Healthy' ? true : undefined,
    );
    expect((await bellwether(kubeconfig, ['set', 'image', 'web', 'app=web:2', '-n', ns.name])).code).toBe(0);
    // the controller kills itself right after writing the Paused status
    expect(await killed.exited()).toBe('SIGKILL');

    const afterKill = await getRollout(c, ns.name, 'web');
    expect(afterKill.status?.phase).toBe('Paused');
    const waiting = afterKill.status?.outbox ?? [];
    expect(waiting.map((e) => e.reason)).toContain('RolloutPaused');
    const paused = waiting.find((e) => e.reason === 'RolloutPaused');
    const pausedEvents = async () =>
      (await rolloutEvents(c, ns.name, 'web')).filter((e) => e.reason === 'RolloutPaused');
    expect(await pausedEvents()).toEqual([]);
    expect(receiver.deliveries).toEqual([]);

    controller('controller-restarted');
    await eventually('the outbox drained', async () =>
      ((await getRollout(c, ns.name, 'web')).status?.outbox ?? []).length === 0 ? true : undefined,
    );
    const events = await pausedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata.name).toBe(`web.${paused?.id ?? ''}`);
    expect(events[0]?.count).toBe(1);
    await eventually('the notification', () =>
      Promise.resolve(receiver.deliveries.length > 0 ? true : undefined),
    );
    // a further reconcile (resync, an unrelated change) must not repeat either
    await c.core.patchNamespacedService(
      {
        namespace: ns.name,
        name: 'web-canary',
        body: { metadata: { labels: { touched: 'yes' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await pausedEvents()).toHaveLength(1);
    const notes = receiver.deliveries.filter((d) => d.body.trigger === 'on-rollout-paused');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body.id).toBe(`${paused?.id ?? ''}/on-rollout-paused`);
    expect(notes[0]?.headers['x-bellwether-notification-id']).toBe(`${paused?.id ?? ''}/on-rollout-paused`);
  });
});

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import {
  canaryRollout,
  createAnalysisTemplate,
  createRollout,
  getRollout,
  rolloutEvents,
} from '../support/rollouts.ts';
import { WebhookReceiver, type Delivery } from '../support/webhook-receiver.ts';

// Webhook notifications from a real controller process, configured through a real ConfigMap and
// Secret: a generic JSON service with an auth header, a Slack-format one, and a flaky one that
// fails twice before it accepts. Rollouts on a real control plane fire the triggers.
describe('notifications', () => {
  const env = useControllerEnv('notify', (ns) => [
    '--notifications-configmap',
    `${ns}/bellwether-notifications`,
    '--log-level',
    'debug',
  ]);
  const receiver = new WebhookReceiver();
  const secret = randomBytes(6).toString('hex');
  const paths = {
    team: `/team/T0KEN-${secret}`,
    slack: `/slack/services/T000/B000/${secret}x`,
    flaky: `/flaky/${secret}y`,
  };
  const token = `s3cr3t-${secret}z`;
  let base = '';

  const controllerLog = () => readFileSync(env.controller.logFile, 'utf8');
  const bodies = (prefix: string, rollout: string) =>
    receiver
      .accepted(prefix)
      .map((d) => d.body)
      .filter(
        (b) =>
          b.rollout === rollout ||
          (typeof b.text === 'string' && b.text.startsWith(`${env.namespace}/${rollout}:`)),
      );
  const triggers = (rollout: string) => bodies(paths.team, rollout).map((b) => b.trigger);
  const phase = async (name: string) => (await getRollout(env.c, env.namespace, name)).status?.phase;
  const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) =>
    eventually(what, probe, ms);
  /** Waits for a condition on what the receiver or the log already hold. */
  const untilTrue = (what: string, probe: () => boolean) =>
    eventually(what, () => Promise.resolve(probe() ? true : undefined));

  beforeAll(async () => {
    base = await receiver.start();
    await env.c.core.createNamespacedSecret({
      namespace: env.namespace,
      body: {
        metadata: { name: 'bellwether-notifications-secret' },
        stringData: {
          'team-url': `${base}${paths.team}`,
          'team-token': token,
          'slack-url': `${base}${paths.slack}`,
          'flaky-url': `${base}${paths.flaky}`,
        },
      },
    });
    await env.c.core.createNamespacedConfigMap({
      namespace: env.namespace,
      body: {
        metadata: { name: 'bellwether-notifications' },
        data: {
          'service.webhook.team':
            'url: $team-url\nheaders:\n  - name: Authorization\n    value: Bearer $team-token\n',
          'service.webhook.slack': 'url: $slack-url\nformat: slack\n',
          'service.webhook.flaky': 'url: $flaky-url\n',
          subscriptions: [
            '- triggers: [on-rollout-step-completed, on-rollout-paused, on-rollout-promoted,',
            '             on-rollout-completed, on-rollout-aborted, on-analysis-run-failed]',
            '  services: [team, slack]',
          ].join('\n'),
        },
      },
    });
    // The controller was already running: its informer picks the ConfigMap up.
    await untilTrue('the controller to load the notifications ConfigMap', () =>
      /"msg":"notifications configured".*flaky \(json\)/.test(controllerLog()),
    );
    for (const svc of ['web-canary', 'web-stable']) {
      await env.c.core.createNamespacedService({
        namespace: env.namespace,
        body: { metadata: { name: svc }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
    }
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('a full canary notifies step completions, pauses, promotion and completion in order', async () => {
    const commit = {
      sha: 'c0ffee1234567890c0ffee1234567890c0ffee12',
      author: 'Jane Doe',
      subject: 'Bump web to v2',
    };
    await createRollout(env.c, env.namespace, {
      ...(canaryRollout('web', 'web:1', {
        replicas: 4,
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            steps: [{ setWeight: 25 }, { pause: { duration: '2s' } }, { setWeight: 75 }, { pause: {} }],
          },
        },
      }) as Record<string, unknown>),
      metadata: {
        name: 'web',
        annotations: {
          // as `bellwether sync` records the commit that declared it
          'bellwether.dev/source-revision': commit.sha,
          'bellwether.dev/source-author': commit.author,
          'bellwether.dev/source-subject': commit.subject,
          // this Rollout also wants its completion on the flaky endpoint
          'notifications.bellwether.dev/subscribe.on-rollout-completed.flaky': '',
        },
      },
    });
    await until('v1 Healthy', async () => ((await phase('web')) === 'Healthy' ? true : undefined));
    // the first version is adopted as stable without steps: nothing subscribed fires
    expect(receiver.deliveries).toEqual([]);
    receiver.failNext(paths.flaky, 2);

    expect((await env.run('set', 'image', 'web', 'app=web:2')).code).toBe(0);
    await until('Paused at the last step', async () => {
      const ro = await getRollout(env.c, env.namespace, 'web');
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === 3 ? true : undefined;
    });
    expect((await env.run('promote', 'web')).code).toBe(0);
    await until('v2 Healthy', async () => ((await phase('web')) === 'Healthy' ? true : undefined));
    await untilTrue('the completion on the team webhook', () =>
      triggers('web').includes('on-rollout-completed'),
    );

    expect(triggers('web')).toEqual([
      'on-rollout-step-completed',
      'on-rollout-paused',
      'on-rollout-step-completed',
      'on-rollout-step-completed',
      'on-rollout-paused',
      'on-rollout-promoted',
      'on-rollout-step-completed',
      'on-rollout-completed',
    ]);
    const team = bodies(paths.team, 'web');
    // the same story as the Kubernetes Events, in the same order
    const mapped = new Set(['RolloutStepCompleted', 'RolloutPaused', 'RolloutPromoted', 'RolloutCompleted']);
    // (Event names order events of one write at random: compare as sorted lists)
    const events = (await rolloutEvents(env.c, env.namespace, 'web')).filter((e) =>
      mapped.has(e.reason ?? ''),
    );
    expect(team.map((b) => String(b.reason)).sort()).toEqual(events.map((e) => e.reason).sort());
    const steps = team.map((b) => Number(b.step));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(4);
    for (const body of team) {
      expect(body).toMatchObject({ rollout: 'web', namespace: env.namespace, commit });
      expect(Number.isNaN(Date.parse(String(body.time)))).toBe(false);
    }
    expect(team.at(-1)).toMatchObject({ phase: 'Healthy', reason: 'RolloutCompleted', type: 'Normal' });
    const teamRequests = receiver.accepted(paths.team);
    expect(teamRequests.every((d) => d.headers.authorization === `Bearer ${token}`)).toBe(true);

    // Slack: the same messages in the same order, as incoming-webhook messages
    const slack = bodies(paths.slack, 'web') as { text: string; blocks: { type: string }[] }[];
    expect(slack.map((s) => s.text)).toEqual(team.map((b) => `${env.namespace}/web: ${String(b.message)}`));
    expect(slack[0]?.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(slack.at(-1))).toContain('commit c0ffee1 \\"Bump web to v2\\" by Jane Doe');

    // the flaky endpoint: 500, 500, then accepted, the same body each time
    await untilTrue('the flaky endpoint to accept', () => receiver.accepted(paths.flaky).length === 1);
    const flaky = receiver.deliveries.filter((d) => d.path === paths.flaky);
    expect(flaky.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(new Set(flaky.map((d) => JSON.stringify(d.body))).size).toBe(1);
    expect(flaky[0]?.body.trigger).toBe('on-rollout-completed');
    const gaps = flaky.slice(1).map((d, i) => d.at - (flaky[i]?.at ?? 0));
    // default backoff 1s doubling, equal jitter: at least 0.5s then 1s
    expect(gaps[0]).toBeGreaterThanOrEqual(500);
    expect(gaps[1]).toBeGreaterThanOrEqual(1000);
    report('full canary', teamRequests, gaps);
  });

  it('an aborted canary notifies the abort; an analysis failure notifies both', async () => {
    receiver.answer('/metric', { value: 0.5 });
    await createAnalysisTemplate(env.c, env.namespace, 'success-rate', {
      metrics: [
        {
          name: 'success-rate',
          interval: '1s',
          count: 1,
          successCondition: 'result >= 0.95',
          provider: { web: { url: `${base}/metric`, jsonPath: '{$.value}' } },
        },
      ],
    });
    const canary = (name: string, steps: object[]) =>
      createRollout(
        env.c,
        env.namespace,
        canaryRollout(name, `${name}:1`, {
          replicas: 2,
          strategy: { canary: { abortScaleDownDelaySeconds: 0, steps } },
        }),
      );
    await canary('abort-me', [{ setWeight: 50 }, { pause: {} }]);
    await canary('judged', [
      { setWeight: 50 },
      { analysis: { templates: [{ templateName: 'success-rate' }] } },
    ]);
    for (const name of ['abort-me', 'judged'])
      await until(`${name} Healthy`, async () => ((await phase(name)) === 'Healthy' ? true : undefined));
    receiver.deliveries.length = 0;

    expect((await env.run('set', 'image', 'abort-me', 'app=abort-me:2')).code).toBe(0);
    expect((await env.run('set', 'image', 'judged', 'app=judged:2')).code).toBe(0);
    await until('abort-me Paused', async () => ((await phase('abort-me')) === 'Paused' ? true : undefined));
    expect((await env.run('abort', 'abort-me')).code).toBe(0);
    await until('both Degraded', async () =>
      (await phase('abort-me')) === 'Degraded' && (await phase('judged')) === 'Degraded' ? true : undefined,
    );
    await untilTrue(
      'both aborts delivered',
      () =>
        triggers('abort-me').includes('on-rollout-aborted') &&
        triggers('judged').includes('on-rollout-aborted'),
    );

    expect(triggers('abort-me')).toEqual([
      'on-rollout-step-completed',
      'on-rollout-paused',
      'on-rollout-aborted',
    ]);
    const aborted = bodies(paths.team, 'abort-me').at(-1);
    expect(aborted).toMatchObject({
      reason: 'RolloutAborted',
      type: 'Warning',
      phase: 'Degraded',
      commit: null,
    });
    expect(String(aborted?.message)).toMatch(
      /^Rollout aborted at Step 2\/2 pause \(until promoted\): status.abort set/,
    );
    expect(bodies(paths.slack, 'abort-me').at(-1)?.text).toBe(
      `${env.namespace}/abort-me: ${String(aborted?.message)}`,
    );

    expect(triggers('judged')).toEqual([
      'on-rollout-step-completed',
      'on-analysis-run-failed',
      'on-rollout-aborted',
    ]);
    const failed = bodies(paths.team, 'judged').at(-2);
    expect(String(failed?.message)).toMatch(/analysis run judged-\S+ Failed/);
    report('aborts', receiver.accepted(paths.team), []);
  });

  it('never logs the Secret, and counts deliveries by trigger, service and result', async () => {
    const log = controllerLog();
    expect(log).toContain('notification delivery failed; retrying');
    expect(log).toContain('"service":"flaky"');
    // reconcile logs name the rollout, namespace, step and commit
    expect(log).toMatch(/"rollout":"web","namespace":"[^"]+","step":\d,"commit":"c0ffee1"/);
    for (const value of [token, secret, paths.team, paths.slack, paths.flaky])
      expect(log).not.toContain(value);
    const events = JSON.stringify((await env.c.core.listNamespacedEvent({ namespace: env.namespace })).items);
    expect(events).not.toContain(secret);

    const metricsAddr = /"metricsAddr":"([^"]+)"/.exec(log)?.[1];
    const metrics = await (await fetch(`http://${metricsAddr ?? ''}/metrics`)).text();
    expect(metrics).toContain(
      'bellwether_notifications_total{trigger="on-rollout-completed",service="flaky",result="sent"} 1',
    );
    expect(metrics).toMatch(
      /bellwether_notifications_total\{trigger="on-rollout-aborted",service="slack",result="sent"\} 2/,
    );
    expect(metrics).not.toMatch(/result="failed"/);

    // figures: the controller's own view, write -> accepted (flaky's retries excluded)
    const sent = log
      .split('\n')
      .filter((line) => line.includes('"msg":"notification sent"') && !line.includes('"service":"flaky"'))
      .map((line) => (JSON.parse(line) as { sinceWriteMs: number }).sinceWriteMs)
      .sort((a, b) => a - b);
    console.log(
      `[notifications] controller side: ${String(sent.length)} sent, write -> accepted median ${String(sent[Math.floor(sent.length / 2)] ?? 0)}ms max ${String(sent.at(-1) ?? 0)}ms`,
    );
  });
});

/** Delivery latency (status write -> webhook) and retry gaps: figures for the report, not asserted. */
function report(what: string, deliveries: Delivery[], retryGapsMs: number[]): void {
  const latencies = deliveries.map((d) => d.at - Date.parse(String(d.body.time))).sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
  console.log(
    `[notifications] ${what}: ${String(latencies.length)} deliveries, latency median ${String(median)}ms max ${String(latencies.at(-1) ?? 0)}ms` +
      (retryGapsMs.length > 0 ? `; retry gaps ${retryGapsMs.map((g) => `${String(g)}ms`).join(', ')}` : ''),
  );
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutObject } from '../controller/rollout-object.ts';
import { createLogger } from '../log.ts';
import { Notifier } from './notifier.ts';
import { outboxEntries } from '../controller/event-outbox.ts';

// The notifier wired as the controller wires it, against a real local receiver.
let server: Server;
let port = 0;
const received: { path: string; body: Record<string, unknown>; headers: Record<string, unknown> }[] = [];
const failFirst = new Map<string, number>([['/flaky', 1]]);

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      const failures = failFirst.get(path) ?? 0;
      if (failures > 0) {
        failFirst.set(path, failures - 1);
        res.writeHead(500).end();
        return;
      }
      received.push({ path, body: JSON.parse(text) as Record<string, unknown>, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const rollout = (annotations: Record<string, string>): RolloutObject => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', annotations },
  spec: { selector: {}, strategy: { canary: {} } },
});

describe('Notifier', () => {
  it('sends subscribed triggers in order to each service, retries, counts, and never logs secrets', async () => {
    const lines: string[] = [];
    const outcomes: string[] = [];
    const notifier = new Notifier({
      log: createLogger('debug', {}, (line) => lines.push(line)),
      sources: { configMap: 'bw/notif', secret: 'bw/notif-secret' },
      onDelivery: (r) => outcomes.push(`${r.trigger} ${r.service} ${r.result}`),
    });
    notifier.configure(
      {
        'service.webhook.team': 'url: $team-url',
        'service.webhook.chat': 'url: http://127.0.0.1:$port/chat\nformat: slack',
        subscriptions: '- triggers: [on-rollout-step-completed, on-rollout-completed]\n  services: [team]\n',
        delivery: 'initialBackoff: 20ms',
      },
      { 'team-url': `http://127.0.0.1:${String(port)}/flaky`, port: String(port) },
    );
    const ro = rollout({
      'notifications.bellwether.dev/subscribe.on-rollout-completed.chat': '',
      'notifications.bellwether.dev/subscribe.on-nothing.chat': '',
      'bellwether.dev/source-revision': 'abcdef0123456789',
      'bellwether.dev/source-subject': 'Bump web',
    });
    const entries = outboxEntries(
      [
        { type: 'Normal', reason: 'RolloutPromoted', message: 'promoted' },
        { type: 'Normal', reason: 'RolloutStepCompleted', message: 'Step 4/4 completed' },
        { type: 'Normal', reason: 'RolloutCompleted', message: 'done' },
      ],
      { phase: 'Healthy', currentStepIndex: 4 },
      '41',
      Date.parse('2026-11-26T15:00:00Z'),
    );
    // each entry's promise settles once all of its deliveries did
    await Promise.all(entries.map((entry) => notifier.deliver(ro, entry)));
    expect(notifier.pending).toBe(0);
    await notifier.stop();

    const team = received.filter((r) => r.path === '/flaky').map((r) => r.body);
    expect(team.map((b) => b.trigger)).toEqual(['on-rollout-step-completed', 'on-rollout-completed']);
    expect(team[0]).toMatchObject({
      rollout: 'web',
      namespace: 'shop',
      step: 4,
      phase: 'Healthy',
      commit: { sha: 'abcdef0123456789', subject: 'Bump web' },
      time: '2026-11-26T15:00:00.000Z',
      id: '41.1/on-rollout-step-completed',
    });
    expect(received.find((r) => r.path === '/flaky')?.headers['x-bellwether-notification-id']).toBe(
      '41.1/on-rollout-step-completed',
    );
    const chat = received.filter((r) => r.path === '/chat').map((r) => r.body);
    expect(chat).toHaveLength(1);
    expect(chat[0]?.text).toBe('shop/web: done');
    expect(outcomes.sort()).toEqual([
      'on-rollout-completed chat sent',
      'on-rollout-completed team sent',
      'on-rollout-step-completed team sent',
    ]);

    const log = lines.join('');
    expect(log).toContain('notification delivery failed; retrying');
    expect(log).toContain(
      'annotation notifications.bellwether.dev/subscribe.on-nothing.chat: unknown trigger',
    );
    expect(log).not.toContain('/flaky');
    expect(log).not.toContain(`:${String(port)}`);
  });

  it('sends nothing without a ConfigMap', async () => {
    const notifier = new Notifier({
      log: createLogger('error'),
      sources: { configMap: 'a/b', secret: 'a/b-secret' },
    });
    notifier.configure(undefined, undefined);
    const [entry] = outboxEntries([{ type: 'Normal', reason: 'RolloutCompleted', message: 'x' }], {}, '1', 0);
    if (!entry) throw new Error('no entry');
    await notifier.deliver(rollout({}), entry);
    expect(notifier.pending).toBe(0);
  });
});

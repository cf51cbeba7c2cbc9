import { describe, expect, it } from 'vitest';
import { parseNotificationConfig } from './config.ts';
import { subscribersOf } from './subscriptions.ts';

const { config } = parseNotificationConfig(
  {
    'service.webhook.team': 'url: http://127.0.0.1/team',
    'service.webhook.chat': 'url: http://127.0.0.1/chat\nformat: slack',
    subscriptions: '- triggers: [on-rollout-aborted]\n  services: [team]\n',
  },
  {},
  { configMap: 'ns/cm', secret: 'ns/cm-secret' },
);

describe('subscribersOf', () => {
  it('joins default subscriptions and the Rollout annotations, each service once', () => {
    const annotations = {
      'notifications.bellwether.dev/subscribe.on-rollout-aborted.chat': '',
      'notifications.bellwether.dev/subscribe.on-rollout-aborted.team': '',
      'notifications.bellwether.dev/subscribe.on-rollout-completed.chat': '',
      'bellwether.dev/source-revision': 'abc',
    };
    expect(subscribersOf(config, annotations, 'on-rollout-aborted')).toEqual({
      services: ['team', 'chat'],
      problems: [],
    });
    expect(subscribersOf(config, annotations, 'on-rollout-completed').services).toEqual(['chat']);
    expect(subscribersOf(config, undefined, 'on-rollout-paused').services).toEqual([]);
  });

  it('names annotations with an unknown trigger or service', () => {
    const { services, problems } = subscribersOf(
      config,
      {
        'notifications.bellwether.dev/subscribe.on-sync.team': '',
        'notifications.bellwether.dev/subscribe.on-rollout-paused.pager': '',
        'notifications.bellwether.dev/subscribe.on-rollout-paused': '',
      },
      'on-rollout-paused',
    );
    expect(services).toEqual([]);
    expect(problems).toEqual([
      'annotation notifications.bellwether.dev/subscribe.on-rollout-paused: no service "" in the notifications ConfigMap',
      'annotation notifications.bellwether.dev/subscribe.on-rollout-paused.pager: no service "pager" in the notifications ConfigMap',
      'annotation notifications.bellwether.dev/subscribe.on-sync.team: unknown trigger "on-sync"',
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defaultDelivery, parseNotificationConfig } from './config.ts';

const sources = {
  configMap: 'bellwether/bellwether-notifications',
  secret: 'bellwether/bellwether-notifications-secret',
};
const secret = { 'team-url': 'https://hooks.example/T0/secret-path', token: 's3cr3t' };

describe('parseNotificationConfig', () => {
  it('resolves $key references from the Secret and collects them for redaction', () => {
    const { config, problems } = parseNotificationConfig(
      {
        'service.webhook.team':
          'url: $team-url\nheaders:\n  - name: Authorization\n    value: Bearer $token\n',
        'service.webhook.chat': 'url: https://chat.example/hook\nformat: slack\n',
        subscriptions: '- triggers: [on-rollout-aborted, on-rollout-completed]\n  services: [team, chat]\n',
        delivery: 'timeout: 2s\nmaxAttempts: 3\ninitialBackoff: 200ms\n',
      },
      secret,
      sources,
    );
    expect(problems).toEqual([]);
    expect(config.services.get('team')).toEqual({
      name: 'team',
      url: 'https://hooks.example/T0/secret-path',
      format: 'json',
      headers: [{ name: 'Authorization', value: 'Bearer s3cr3t' }],
    });
    expect(config.services.get('chat')?.format).toBe('slack');
    expect(config.subscriptions).toEqual([
      { triggers: ['on-rollout-aborted', 'on-rollout-completed'], services: ['team', 'chat'] },
    ]);
    expect(config.delivery).toEqual({
      ...defaultDelivery,
      timeoutMs: 2000,
      maxAttempts: 3,
      initialBackoffMs: 200,
    });
    expect([...config.secretValues].sort()).toEqual(['https://hooks.example/T0/secret-path', 's3cr3t']);
  });

  it('reports a missing Secret key naming the ConfigMap key, field and Secret, and skips only that service', () => {
    const { config, problems } = parseNotificationConfig(
      {
        'service.webhook.team': 'url: $nope',
        'service.webhook.ok': 'url: http://127.0.0.1:9/x',
        subscriptions: '- triggers: [on-rollout-paused]\n  services: [team, ok]\n',
      },
      secret,
      sources,
    );
    expect(problems).toEqual([
      'ConfigMap bellwether/bellwether-notifications key "service.webhook.team": url: Secret bellwether/bellwether-notifications-secret has no key "nope"',
      'ConfigMap bellwether/bellwether-notifications key "subscriptions": [0].services: no valid service.webhook.team',
    ]);
    expect([...config.services.keys()]).toEqual(['ok']);
    expect(config.subscriptions).toEqual([{ triggers: ['on-rollout-paused'], services: ['ok'] }]);
  });

  it('names bad fields, formats, YAML, triggers and keys without echoing secret values', () => {
    const { config, problems } = parseNotificationConfig(
      {
        'service.webhook.a': 'url: $team-url\nformat: teams\n',
        'service.webhook.b': 'url: [unclosed',
        'service.webhook.c': 'url: $token',
        'service.webhook.Bad_Name': 'url: http://x',
        subscriptions: '- triggers: [on-sync-succeeded]\n  services: []\n',
        delivery: 'maxAttempts: 0\n',
        other: 'x',
      },
      secret,
      sources,
    );
    const text = problems.join('\n');
    expect(text).toContain('key "service.webhook.a": format:');
    expect(text).toContain('key "service.webhook.b": not valid YAML');
    expect(text).toContain('key "service.webhook.c": url: must start with http:// or https://');
    expect(text).toContain('key "service.webhook.Bad_Name": service name "Bad_Name"');
    expect(text).toContain('key "subscriptions": [0].services:');
    expect(text).toContain('key "delivery": maxAttempts:');
    expect(text).toContain('key "other": unknown key');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('secret-path');
    expect(config.services.size).toBe(0);
    expect(config.delivery).toEqual(defaultDelivery);
  });

  it('reports unknown triggers and keeps the known ones', () => {
    const { config, problems } = parseNotificationConfig(
      {
        'service.webhook.ok': 'url: http://x/',
        subscriptions: '- triggers: [on-rollout-paused, on-sync-succeeded]\n  services: [ok]\n',
      },
      undefined,
      sources,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/\[0\]\.triggers: unknown on-sync-succeeded \(known: on-rollout-updated, /);
    expect(config.subscriptions).toEqual([{ triggers: ['on-rollout-paused'], services: ['ok'] }]);
  });

  it('the example in deploy/examples/notifications.yaml is valid', () => {
    const text = readFileSync(new URL('../../deploy/examples/notifications.yaml', import.meta.url), 'utf8');
    const [secretDoc, configMapDoc] = parseAllDocuments(text).map(
      (d) => d.toJS() as { stringData?: Record<string, string>; data?: Record<string, string> },
    );
    const { config, problems } = parseNotificationConfig(
      configMapDoc?.data ?? {},
      secretDoc?.stringData,
      sources,
    );
    expect(problems).toEqual([]);
    expect([...config.services.keys()]).toEqual(['deploys', 'slack']);
    expect(config.subscriptions).toHaveLength(2);
  });
});

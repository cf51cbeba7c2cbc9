/**
 * Who hears about a trigger: the ConfigMap's default subscriptions plus the Rollout's own
 * annotations `notifications.bellwether.dev/subscribe.<trigger>.<service>: ""` (the value is
 * ignored: a webhook's URL is its recipient). Pure.
 */
import type { NotificationConfig } from './config.ts';
import { isTrigger, type Trigger } from '../controller/notification-triggers.ts';

export const subscribeAnnotationPrefix = 'notifications.bellwether.dev/subscribe.';

export interface Subscribers {
  /** Service names, each once, defaults first then annotations in key order. */
  services: string[];
  /** Annotations that name an unknown trigger or service, with why. */
  problems: string[];
}

export function subscribersOf(
  config: NotificationConfig,
  annotations: Readonly<Record<string, string>> | undefined,
  trigger: Trigger,
): Subscribers {
  const services = new Set<string>();
  for (const sub of config.subscriptions) {
    if (sub.triggers.includes(trigger)) for (const s of sub.services) services.add(s);
  }
  const problems: string[] = [];
  for (const key of Object.keys(annotations ?? {}).sort()) {
    const parsed = parseSubscribeAnnotation(key, config);
    if (parsed === undefined) continue;
    if ('problem' in parsed) problems.push(parsed.problem);
    else if (parsed.trigger === trigger) services.add(parsed.service);
  }
  return { services: [...services], problems };
}

/** undefined for annotations that are not subscriptions. */
function parseSubscribeAnnotation(
  key: string,
  config: NotificationConfig,
): { trigger: Trigger; service: string } | { problem: string } | undefined {
  if (!key.startsWith(subscribeAnnotationPrefix)) return undefined;
  const rest = key.slice(subscribeAnnotationPrefix.length);
  const dot = rest.indexOf('.');
  const trigger = dot < 0 ? rest : rest.slice(0, dot);
  const service = dot < 0 ? '' : rest.slice(dot + 1);
  if (!isTrigger(trigger)) return { problem: `annotation ${key}: unknown trigger "${trigger}"` };
  if (!config.services.has(service))
    return { problem: `annotation ${key}: no service "${service}" in the notifications ConfigMap` };
  return { trigger, service };
}

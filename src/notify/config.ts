/**
 * The notifications ConfigMap and its Secret, parsed and checked. Pure: the shell passes in the
 * ConfigMap's data and the Secret's decoded data.
 *
 *   service.webhook.<name>: YAML {url, format: json|slack, headers: [{name, value}]}
 *   subscriptions:          YAML [{triggers: [...], services: [...]}]  (apply to every Rollout)
 *   delivery:               YAML {timeout, maxAttempts, initialBackoff, maxBackoff}
 *
 * `$key` in a url or header value is replaced by the Secret's key `key`. Each entry is checked
 * on its own: a broken one is reported (naming the ConfigMap key and the field) and skipped,
 * the others keep working. Secret values only ever leave this module inside `services` and in
 * `secretValues`, the redaction set for anything logged about deliveries.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { durationMs } from '../../strategies/kernel/duration.ts';
import { isTrigger, triggerNames, type Trigger } from '../controller/notification-triggers.ts';

export type PayloadFormat = 'json' | 'slack';

export interface WebhookService {
  name: string;
  url: string;
  format: PayloadFormat;
  headers: { name: string; value: string }[];
}

export interface Subscription {
  triggers: Trigger[];
  services: string[];
}

export interface DeliverySettings {
  timeoutMs: number;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface NotificationConfig {
  services: ReadonlyMap<string, WebhookService>;
  subscriptions: readonly Subscription[];
  delivery: DeliverySettings;
  /** Every Secret value the services use: mask these in anything logged. */
  secretValues: readonly string[];
}

export interface ConfigOutcome {
  config: NotificationConfig;
  /** One line per broken entry, naming the ConfigMap key and the field. */
  problems: string[];
}

/** Where the configuration came from, for error messages (`namespace/name`). */
export interface ConfigSources {
  configMap: string;
  secret: string;
}

export const defaultDelivery: DeliverySettings = {
  timeoutMs: 5000,
  maxAttempts: 5,
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
};

export const emptyConfig: NotificationConfig = {
  services: new Map(),
  subscriptions: [],
  delivery: defaultDelivery,
  secretValues: [],
};

const servicePrefix = 'service.webhook.';
const serviceName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = durationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration (e.g. 5s, 1m)` });
    return z.NEVER;
  }
  return ms;
});

const ServiceSchema = z.strictObject({
  url: z.string().min(1),
  format: z.enum(['json', 'slack']).default('json'),
  headers: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).default([]),
});

const SubscriptionsSchema = z.array(
  z.strictObject({
    triggers: z.array(z.string()).min(1),
    services: z.array(z.string()).min(1),
  }),
);

const DeliverySchema = z.strictObject({
  timeout: duration.optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  initialBackoff: duration.optional(),
  maxBackoff: duration.optional(),
});

export function parseNotificationConfig(
  data: Readonly<Record<string, string>>,
  secret: Readonly<Record<string, string>> | undefined,
  sources: ConfigSources,
): ConfigOutcome {
  const problems: string[] = [];
  const report = (key: string, problem: string) =>
    problems.push(`ConfigMap ${sources.configMap} key "${key}": ${problem}`);
  const services = new Map<string, WebhookService>();
  const secretValues = new Set<string>();

  for (const [key, text] of Object.entries(data)) {
    if (!key.startsWith(servicePrefix)) {
      if (key !== 'subscriptions' && key !== 'delivery')
        report(key, 'unknown key (expected service.webhook.<name>, subscriptions or delivery)');
      continue;
    }
    const name = key.slice(servicePrefix.length);
    if (!serviceName.test(name)) {
      report(key, `service name "${name}" must be lowercase letters, digits and -`);
      continue;
    }
    const parsed = parseYaml(text, ServiceSchema);
    if (!parsed.ok) {
      report(key, parsed.error);
      continue;
    }
    const resolved = resolveSecrets(parsed.value, secret, sources.secret);
    if (!resolved.ok) {
      report(key, resolved.error);
      continue;
    }
    if (!/^https?:\/\//.test(resolved.service.url)) {
      // the url may be a secret: name the problem, not the value
      report(key, 'url: must start with http:// or https://');
      continue;
    }
    for (const value of resolved.used) secretValues.add(value);
    services.set(name, { name, ...resolved.service });
  }

  const subscriptions = parseSubscriptions(data.subscriptions, services, (p) => {
    report('subscriptions', p);
  });
  const delivery = parseDelivery(data.delivery, (p) => {
    report('delivery', p);
  });
  return { config: { services, subscriptions, delivery, secretValues: [...secretValues] }, problems };
}

function parseSubscriptions(
  text: string | undefined,
  services: ReadonlyMap<string, WebhookService>,
  report: (problem: string) => void,
): Subscription[] {
  if (text === undefined) return [];
  const parsed = parseYaml(text, SubscriptionsSchema);
  if (!parsed.ok) {
    report(parsed.error);
    return [];
  }
  return parsed.value.flatMap((sub, i) => {
    const unknownTriggers = sub.triggers.filter((t) => !isTrigger(t));
    const unknownServices = sub.services.filter((s) => !services.has(s));
    if (unknownTriggers.length > 0)
      report(
        `[${String(i)}].triggers: unknown ${unknownTriggers.join(', ')} (known: ${triggerNames.join(', ')})`,
      );
    if (unknownServices.length > 0)
      report(
        `[${String(i)}].services: no valid service.webhook.${unknownServices.join(', service.webhook.')}`,
      );
    const triggers = sub.triggers.filter(isTrigger);
    const valid = sub.services.filter((s) => services.has(s));
    return triggers.length > 0 && valid.length > 0 ? [{ triggers, services: valid }] : [];
  });
}

function parseDelivery(text: string | undefined, report: (problem: string) => void): DeliverySettings {
  if (text === undefined) return defaultDelivery;
  const parsed = parseYaml(text, DeliverySchema);
  if (!parsed.ok) {
    report(`${parsed.error}; using the defaults`);
    return defaultDelivery;
  }
  const d = parsed.value;
  return {
    timeoutMs: d.timeout ?? defaultDelivery.timeoutMs,
    maxAttempts: d.maxAttempts ?? defaultDelivery.maxAttempts,
    initialBackoffMs: d.initialBackoff ?? defaultDelivery.initialBackoffMs,
    maxBackoffMs: d.maxBackoff ?? defaultDelivery.maxBackoffMs,
  };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseYaml<S extends z.ZodType>(text: string, schema: S): Parsed<z.output<S>> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    return {
      ok: false,
      error: `not valid YAML: ${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}`,
    };
  }
  const result = schema.safeParse(document);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === 'number' ? `[${String(part)}]` : `.${String(part)}`))
      .join('')
      .replace(/^\./, '');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  return { ok: false, error: issues.join('; ') };
}

const secretReference = /\$([A-Za-z0-9_.-]+)/g;

/** Replaces `$key` references by the Secret's values; an error names the field and the key. */
function resolveSecrets(
  service: z.output<typeof ServiceSchema>,
  secret: Readonly<Record<string, string>> | undefined,
  secretName: string,
): { ok: true; service: Omit<WebhookService, 'name'>; used: string[] } | { ok: false; error: string } {
  const used: string[] = [];
  const missing: string[] = [];
  const resolve = (text: string, field: string) =>
    text.replace(secretReference, (_match, key: string) => {
      const value = secret?.[key];
      if (value === undefined) {
        missing.push(`${field}: Secret ${secretName} has no key "${key}"`);
        return '';
      }
      used.push(value);
      return value;
    });
  const url = resolve(service.url, 'url');
  const headers = service.headers.map((h, i) => ({
    name: h.name,
    value: resolve(h.value, `headers[${String(i)}].value`),
  }));
  if (missing.length > 0) return { ok: false, error: missing.join('; ') };
  return { ok: true, service: { url, format: service.format, headers }, used };
}

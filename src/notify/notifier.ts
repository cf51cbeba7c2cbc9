/**
 * Notifications: each event of an accepted status write is an entry of the Rollout's
 * `status.outbox`, written in that same status patch, with the triggers it fired
 * (src/controller/event-outbox.ts). The reconciler hands each entry to `deliver()`, once per
 * process; its notifications go to the subscribed webhooks through the in-memory lanes of
 * outbox.ts, retried with backoff, and the entry leaves status only when every delivery has
 * settled.
 *
 * Semantics: a notification that belongs to an accepted status write is not lost when the
 * controller dies (the entry is still in status; the next reconcile, here or in the new leader,
 * delivers it). A write that fails (conflict) writes no entry and notifies nothing. Every
 * delivery carries the id `<entry id>/<trigger>` (JSON field `id`, header
 * `X-Bellwether-Notification-Id`); a receiver that keeps the ids it has seen gets each exactly once
 * even in the one window where a second delivery is possible: the controller dying after the
 * receiver answered and before the entry left status.
 */
import type { OutboxEntry } from '../api/rollout.ts';
import { redactor } from '../../analysis/args.ts';
import { commitOf } from '../kube/provenance.ts';
import type { RolloutObject } from '../controller/rollout-object.ts';
import type { NotifySink } from '../controller/notify-sink.ts';
import type { Logger } from '../log.ts';
import {
  emptyConfig,
  parseNotificationConfig,
  type ConfigSources,
  type NotificationConfig,
  type WebhookService,
} from './config.ts';
import { deliver } from './deliver.ts';
import { Outbox } from './outbox.ts';
import { payloadOf, type Notification } from './payload.ts';
import { subscribersOf } from './subscriptions.ts';
import { isTrigger, type Trigger } from '../controller/notification-triggers.ts';

export type DeliveryOutcome = 'sent' | 'failed' | 'dropped';

export interface NotifierOptions {
  log: Logger;
  sources: ConfigSources;
  /** One call per notification and service when it is settled (for metrics). */
  onDelivery?: (r: { trigger: Trigger; service: string; result: DeliveryOutcome }) => void;
  /** Waiting deliveries per webhook and Rollout before the oldest is dropped. */
  laneLimit?: number;
}

interface Delivery {
  notification: Notification;
  service: WebhookService;
  /** Called once when the delivery is settled, whatever the outcome. */
  settled: () => void;
}

export class Notifier implements NotifySink {
  private config: NotificationConfig = emptyConfig;
  private redact: (text: string) => string = (text) => text;
  private readonly reported = new Set<string>();
  private readonly shutdown = new AbortController();
  private readonly outbox: Outbox<Delivery>;
  private readonly log: Logger;

  constructor(private readonly options: NotifierOptions) {
    this.log = options.log.with({ component: 'notifications' });
    this.outbox = new Outbox<Delivery>(options.laneLimit ?? 100, (dropped) => {
      this.settle(dropped, 'dropped', 'outbox lane full');
    });
  }

  /** New contents of the ConfigMap and Secret; undefined when absent (no notifications). */
  configure(
    data: Readonly<Record<string, string>> | undefined,
    secret: Readonly<Record<string, string>> | undefined,
  ): void {
    const { configMap } = this.options.sources;
    if (data === undefined) {
      if (this.config !== emptyConfig) this.log.info('notifications off: ConfigMap not found', { configMap });
      this.config = emptyConfig;
      this.redact = (text) => text;
      return;
    }
    const { config, problems } = parseNotificationConfig(data, secret, this.options.sources);
    for (const problem of problems) this.log.error('invalid notifications configuration', { problem });
    this.config = config;
    this.redact = redactor(config.secretValues);
    this.log.info('notifications configured', {
      configMap,
      services: [...config.services.values()].map((s) => `${s.name} (${s.format})`),
      subscriptions: config.subscriptions.length,
      problems: problems.length,
    });
  }

  get configured(): NotificationConfig {
    return this.config;
  }

  deliver(rollout: RolloutObject, entry: OutboxEntry): Promise<void> {
    const triggers = (entry.triggers ?? []).filter(isTrigger);
    if (this.config.services.size === 0 || triggers.length === 0) return Promise.resolve();
    const { name, namespace } = rollout.metadata;
    const commit = commitOf(rollout.metadata);
    const settled: Promise<void>[] = [];
    for (const trigger of triggers) {
      const { services, problems } = subscribersOf(this.config, rollout.metadata.annotations, trigger);
      this.reportOnce(rollout, problems);
      const notification: Notification = {
        id: `${entry.id}/${trigger}`,
        trigger,
        rollout: name,
        namespace,
        reason: entry.reason,
        type: entry.type,
        message: entry.message,
        ...(entry.step === undefined ? {} : { step: entry.step }),
        ...(entry.phase === undefined ? {} : { phase: entry.phase }),
        ...(commit ? { commit } : {}),
        time: entry.time,
      };
      for (const serviceName of services) {
        const service = this.config.services.get(serviceName);
        if (!service) continue;
        settled.push(
          new Promise<void>((resolve) => {
            const delivery = { notification, service, settled: resolve };
            this.outbox.push(`${serviceName}\n${namespace}/${name}`, {
              item: delivery,
              run: () => this.send(delivery),
            });
          }),
        );
      }
    }
    return Promise.all(settled).then(() => undefined);
  }

  /** Deliveries running or waiting. */
  get pending(): number {
    return this.outbox.size;
  }

  /** Gives waiting deliveries up to `graceMs` to finish, then abandons the retries. */
  async stop(graceMs = 5000): Promise<void> {
    await this.outbox.drained(graceMs);
    this.shutdown.abort();
    await this.outbox.drained(1000);
  }

  private async send(delivery: Delivery): Promise<void> {
    const { notification, service } = delivery;
    // Settings and the redaction set as of now: a Secret rotated meanwhile is masked too.
    const result = await deliver(service, payloadOf(notification, service.format), this.config.delivery, {
      headers: { 'X-Bellwether-Notification-Id': notification.id },
      redact: (text) => this.redact(text),
      signal: this.shutdown.signal,
      onRetry: (r) => {
        this.log.info('notification delivery failed; retrying', {
          ...this.fields(delivery),
          attempt: r.attempt,
          error: r.detail,
          retryInMs: r.delayMs,
        });
      },
    });
    this.settle(delivery, result.ok ? 'sent' : 'failed', result.detail, result.attempts);
  }

  private settle(delivery: Delivery, result: DeliveryOutcome, detail: string, attempts?: number): void {
    const fields = {
      ...this.fields(delivery),
      ...(attempts === undefined ? {} : { attempts }),
      // from the status write to the settled delivery, retries included
      sinceWriteMs: Date.now() - Date.parse(delivery.notification.time),
    };
    if (result === 'sent') this.log.debug('notification sent', fields);
    else this.log.warn(`notification ${result}`, { ...fields, error: this.redact(detail) });
    this.options.onDelivery?.({
      trigger: delivery.notification.trigger,
      service: delivery.service.name,
      result,
    });
    delivery.settled();
  }

  /** What a log line says about a delivery: never the URL or headers. */
  private fields({ notification: n, service }: Delivery) {
    return {
      rollout: n.rollout,
      namespace: n.namespace,
      trigger: n.trigger,
      service: service.name,
      ...(n.step === undefined ? {} : { step: n.step }),
      ...(n.commit ? { commit: n.commit.sha.slice(0, 7) } : {}),
    };
  }

  /** Annotation problems are logged once per Rollout and problem, not on every status write. */
  private reportOnce(rollout: RolloutObject, problems: readonly string[]): void {
    for (const problem of problems) {
      const key = `${rollout.metadata.uid}\n${problem}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.log.warn('invalid notification subscription', {
        rollout: rollout.metadata.name,
        namespace: rollout.metadata.namespace,
        problem,
      });
    }
  }
}

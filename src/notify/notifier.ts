/**
 * Notifications: the reconciler calls `notify()` after a status write was accepted, with the
 * events of that write (the same place Kubernetes Events are created). Each fired trigger goes
 * to its subscribed webhooks through the in-memory outbox, retried with backoff.
 *
 * Semantics: at most once per status write. A write that fails (conflict) notifies nothing, the
 * next reconcile decides again; a controller that dies with deliveries waiting loses them and
 * the new leader never repeats them (it does not know about them). The same rule as for Events:
 * a crash can lose a notification, never send one twice.
 */
import type { RolloutEvent, RolloutStatusView } from '../../strategies/types.ts';
import { redactor } from '../../analysis/args.ts';
import { commitOf } from '../controller/provenance.ts';
import type { RolloutObject } from '../controller/rollout-object.ts';
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
import { firedTriggers, type Trigger } from './triggers.ts';

export type DeliveryOutcome = 'sent' | 'failed' | 'dropped';

export interface NotifierOptions {
  log: Logger;
  sources: ConfigSources;
  /** One call per notification and service when it is settled (for metrics). */
  onDelivery?: (r: { trigger: Trigger; service: string; result: DeliveryOutcome }) => void;
  /** Waiting deliveries per webhook and Rollout before the oldest is dropped. */
  laneLimit?: number;
}

/** The part of the notifier the reconciler sees. */
export interface NotifySink {
  notify(
    rollout: RolloutObject,
    events: readonly RolloutEvent[],
    status: RolloutStatusView,
    now: number,
  ): void;
}

interface Delivery {
  notification: Notification;
  service: WebhookService;
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

  notify(
    rollout: RolloutObject,
    events: readonly RolloutEvent[],
    status: RolloutStatusView,
    now: number,
  ): void {
    if (this.config.services.size === 0 || events.length === 0) return;
    const { name, namespace } = rollout.metadata;
    const commit = commitOf(rollout.metadata);
    for (const { trigger, event } of firedTriggers(events, status)) {
      const { services, problems } = subscribersOf(this.config, rollout.metadata.annotations, trigger);
      this.reportOnce(rollout, problems);
      const notification: Notification = {
        trigger,
        rollout: name,
        namespace,
        reason: event.reason,
        type: event.type,
        message: event.message,
        ...(status.currentStepIndex === undefined ? {} : { step: status.currentStepIndex }),
        ...(status.phase === undefined ? {} : { phase: status.phase }),
        ...(commit ? { commit } : {}),
        time: new Date(now).toISOString(),
      };
      for (const serviceName of services) {
        const service = this.config.services.get(serviceName);
        if (!service) continue;
        const delivery = { notification, service };
        this.outbox.push(`${serviceName}\n${namespace}/${name}`, {
          item: delivery,
          run: () => this.send(delivery),
        });
      }
    }
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

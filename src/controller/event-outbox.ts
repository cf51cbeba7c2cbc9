import type { RolloutEvent, RolloutStatusView } from '../../strategies/types.ts';
import type { OutboxEntry } from '../api/rollout.ts';
import { describeError, statusCode, type Logger } from '../log.ts';
import { firedTriggers } from './notification-triggers.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import { rolloutEvent, type EventSubject } from './rollout-events.ts';
import { rolloutKey, type RolloutObject } from './rollout-object.ts';

/**
 * The durable outbox of Events and notifications.
 *
 * The events of a decision are written into `status.outbox` in the same status patch as the
 * decision, so they exist exactly when the write was accepted. Delivering them comes after: each
 * entry becomes one Kubernetes Event whose name is derived from the entry id (a second create
 * of it is a 409, never a second Event) and the notifications of its triggers; an entry leaves
 * status once both are done. A controller killed anywhere in between leaves the entry in status,
 * and the next reconcile (of this process after a restart, or of the new leader) delivers the
 * rest: nothing is lost, no Event is created twice.
 *
 * Entry ids are `<resourceVersion the write was based on>.<index>`: the patch carries that
 * resourceVersion as a precondition, so at most one write per resourceVersion is accepted, and
 * resourceVersions are never reused, so an id is unique for the Rollout's name in its namespace.
 */
export function outboxEntries(
  events: readonly RolloutEvent[],
  status: RolloutStatusView,
  basedOn: string,
  now: number,
): OutboxEntry[] {
  return plainOutboxEntries(events, basedOn, now).map((entry, index) => {
    const triggers = firedTriggers(events.slice(index, index + 1), status).map((f) => f.trigger);
    return {
      ...entry,
      ...(status.currentStepIndex === undefined ? {} : { step: status.currentStepIndex }),
      ...(status.phase === undefined ? {} : { phase: status.phase }),
      ...(triggers.length > 0 ? { triggers } : {}),
    };
  });
}

/** Entries with no step and no notification triggers: the events of an object other than a Rollout. */
export function plainOutboxEntries(
  events: readonly RolloutEvent[],
  basedOn: string,
  now: number,
): OutboxEntry[] {
  const time = new Date(now).toISOString();
  return events.map((event, index) => ({
    id: `${basedOn}.${index}`,
    type: event.type,
    reason: event.reason,
    message: event.message,
    time,
  }));
}

/** The Event's name for an entry: the object's name (cut to fit) and the entry id. */
export function outboxEventName(rollout: string, id: string): string {
  return `${rollout.slice(0, 200)}.${id}`;
}

export interface DrainDeps<T extends EventSubject = EventSubject> {
  writer: Pick<ClusterWriter, 'createEvent'>;
  log: Logger;
  /** Sends an entry's notifications (src/notify: a Rollout's); none for other kinds. */
  notifier?: { deliver(subject: T, entry: OutboxEntry): Promise<void> };
}

/**
 * Delivers outbox entries. Holds, per process, which entries already have their Event and which
 * notifications are in flight or settled, so a reconcile while a webhook is being retried does
 * not start a second delivery. After a restart that memory is empty: the Event create then gets
 * a 409 (already there) and the notifications are sent again with the same ids.
 *
 * A delivered entry is not cleared from status by a write of its own: it is remembered here as
 * delivered and left out of the next status write the Rollout makes anyway (the next step, or the
 * coalesced progress write of progress-writes.ts, at most 10 s later). That saves one status
 * write per eventful change and changes nothing about exactly-once: an entry still in status
 * after a restart is delivered again as a 409.
 */
export class EventOutbox {
  private readonly eventsCreated = new Set<string>();
  private readonly notifications = new Map<string, 'sending' | 'settled'>();
  /** Per Rollout (namespace/name): ids of entries fully delivered that its status may still hold. */
  private readonly delivered = new Map<string, Set<string>>();

  /** `onSettled(key)`: a notification of the Rollout settled; reconcile it to clear the entry. */
  constructor(private readonly onSettled: (key: string) => void = () => undefined) {}

  /**
   * Creates the Event of each entry and starts its notifications. Returns the entries that must
   * stay (a notification still in flight, or an Event create that failed: `failed` counts those).
   */
  async drain<T extends EventSubject>(
    subject: T,
    entries: readonly OutboxEntry[],
    deps: DrainDeps<T>,
  ): Promise<{ remaining: OutboxEntry[]; failed: number }> {
    const { namespace, name, uid } = subject.metadata;
    // Only a Rollout's next status write leaves delivered entries out (undelivered()); other
    // kinds clear them with the write that follows the drain, so nothing is remembered for them.
    const remember = (subject.kind ?? 'Rollout') === 'Rollout';
    const remaining: OutboxEntry[] = [];
    let failed = 0;
    const ofRollout = rolloutKey(namespace, name);
    const undelivered = entries.filter((entry) => !this.delivered.get(ofRollout)?.has(entry.id));
    // The Events of one write are created at once: each is its own object with its own name, and
    // under load a reconcile would otherwise wait one round trip per Event.
    const created = await Promise.all(
      undelivered.map((entry) =>
        this.eventsCreated.has(`${uid}/${entry.id}`)
          ? Promise.resolve(true)
          : this.createEvent(subject, entry, deps),
      ),
    );
    for (const [index, entry] of undelivered.entries()) {
      const key = `${uid}/${entry.id}`;
      if (!created[index]) {
        failed++;
        remaining.push(entry);
        continue;
      }
      this.eventsCreated.add(key);
      const state = this.notifications.get(key);
      if (state === 'settled' || !deps.notifier || !entry.triggers?.length) {
        this.forget(key);
        if (remember) this.deliveredOf(ofRollout).add(entry.id);
        continue;
      }
      remaining.push(entry);
      if (state === 'sending') continue;
      this.notifications.set(key, 'sending');
      void deps.notifier.deliver(subject, entry).then(() => {
        this.notifications.set(key, 'settled');
        this.onSettled(rolloutKey(namespace, name));
      });
    }
    return { remaining, failed };
  }

  /**
   * The entries of the Rollout's observed status.outbox not delivered yet: what its next status
   * write keeps. Delivered ids the observed status no longer holds are forgotten (the cache never
   * goes back to an older version, so they cannot come back).
   */
  undelivered(rollout: RolloutObject): OutboxEntry[] {
    const key = rolloutKey(rollout.metadata.namespace, rollout.metadata.name);
    const entries = rollout.status?.outbox ?? [];
    const done = this.delivered.get(key);
    if (!done) return [...entries];
    const present = new Set(entries.map((entry) => entry.id));
    for (const id of done) if (!present.has(id)) done.delete(id);
    if (done.size === 0) this.delivered.delete(key);
    return entries.filter((entry) => !done.has(entry.id));
  }

  /** The Rollout is gone: nothing of it is kept. */
  forgetRollout(key: string): void {
    this.delivered.delete(key);
  }

  private deliveredOf(key: string): Set<string> {
    let done = this.delivered.get(key);
    if (!done) this.delivered.set(key, (done = new Set()));
    return done;
  }

  private async createEvent(
    subject: EventSubject,
    entry: OutboxEntry,
    deps: Pick<DrainDeps, 'writer' | 'log'>,
  ): Promise<boolean> {
    const event = { type: entry.type, reason: entry.reason, message: entry.message };
    const body = rolloutEvent(
      subject,
      event,
      Date.parse(entry.time),
      outboxEventName(subject.metadata.name, entry.id),
    );
    try {
      await deps.writer.createEvent(subject.metadata.namespace, body);
      deps.log.info(entry.message, { reason: entry.reason, step: entry.step, event: entry.id });
      return true;
    } catch (err) {
      if (statusCode(err) === 409) return true; // created before a restart: exactly once
      deps.log.warn('could not record event; will retry', {
        reason: entry.reason,
        error: describeError(err),
      });
      return false;
    }
  }

  private forget(key: string): void {
    this.eventsCreated.delete(key);
    this.notifications.delete(key);
  }
}

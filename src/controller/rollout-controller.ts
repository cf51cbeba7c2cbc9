import type { MemberHold } from '../../strategies/group/hold.ts';
import type { OutboxEntry } from '../api/rollout.ts';
import { commitOf } from '../kube/provenance.ts';
import { describeError, type Logger } from '../log.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import { EventOutbox } from './event-outbox.ts';
import type { ExperimentWriter } from './experiment/experiment-writer.ts';
import type { NotifySink } from './notify-sink.ts';
import type { Caches, ReconcileResult } from './reconcile-deps.ts';
import { reconcileRollout } from './reconcile-rollout.ts';
import type { ReplicaSetWrites } from './replica-set-writes.ts';
import { rolloutEvent } from './rollout-events.ts';
import { splitKey, type RolloutObject } from './rollout-object.ts';

export interface RolloutControllerOptions {
  /** The informer caches (the process's: manager.ts). */
  caches: Caches;
  writer: ClusterWriter;
  now: () => number;
  log: Logger;
  /** Queues a key again (a settled notification brings its Rollout back to clear the entry). */
  enqueue: (key: string) => void;
  /** What the RolloutGroups the Rollout belongs to allow it now. */
  hold: (rollout: RolloutObject) => MemberHold | undefined;
  experiments: ExperimentWriter;
  /** Webhook notifications after each accepted status write (src/notify); none when undefined. */
  notifier?: NotifySink;
  /** Fault-injection tests only: called right after a status write that added outbox entries. */
  afterStatusWrite?: (entries: readonly OutboxEntry[]) => void;
}

/**
 * The Rollout controller: how one Rollout key is reconciled (reconcile-rollout.ts) with the state
 * kept between reconciles of the process (versions moved past, progress writes waiting, the
 * outbox being delivered), and what a failed reconcile leaves for an operator. The informers,
 * queue and workers that call it are the process wiring's (manager.ts).
 */
export class RolloutController {
  private readonly supersededVersions = new Map<string, string>();
  private readonly replicaSetWrites: ReplicaSetWrites = new Map();
  private readonly progressPending = new Map<string, number>();
  /** Delivers status.outbox; a settled notification brings its Rollout back to clear the entry. */
  private readonly eventOutbox: EventOutbox;

  constructor(private readonly options: RolloutControllerOptions) {
    this.eventOutbox = new EventOutbox(options.enqueue);
  }

  /** One reconcile; `writer` is the process's writer, counted for this reconcile. */
  reconcile(key: string, writer: ClusterWriter): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const { notifier, afterStatusWrite } = this.options;
    return reconcileRollout(namespace, name, {
      caches: this.options.caches,
      writer,
      now: this.options.now,
      log: this.options.log,
      supersededVersions: this.supersededVersions,
      replicaSetWrites: this.replicaSetWrites,
      hold: this.options.hold,
      experiments: this.options.experiments,
      progressPending: this.progressPending,
      ...(notifier ? { notifier } : {}),
      outbox: this.eventOutbox,
      ...(afterStatusWrite ? { afterStatusWrite } : {}),
    });
  }

  /**
   * A failed reconcile of a cached Rollout: what the log line says about it, and on the first
   * failure of a streak (warnFirst) a Warning Event: an operator sees it in `kubectl describe`,
   * without one Event per retry (the metric counts every one).
   */
  failed(ro: RolloutObject | undefined, err: unknown, warnFirst: boolean): Record<string, unknown> {
    if (ro && warnFirst) this.recordFailure(ro, err);
    return { step: ro?.status?.currentStepIndex, commit: commitOf(ro?.metadata)?.sha.slice(0, 7) };
  }

  /** A Warning Event ReconcileError; best effort (under overload the Event may fail too). */
  private recordFailure(ro: RolloutObject, err: unknown): void {
    const event = {
      type: 'Warning' as const,
      reason: 'ReconcileError',
      message: `reconcile failed, retrying with backoff: ${describeError(err)}`,
    };
    void this.options.writer
      .createEvent(ro.metadata.namespace, rolloutEvent(ro, event, this.options.now()))
      .catch(() => undefined);
  }
}

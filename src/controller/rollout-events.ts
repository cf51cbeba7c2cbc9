import type { CoreV1Event } from '@kubernetes/client-node';
import type { RolloutEvent } from '../../strategies/types.ts';
import type { RolloutObject } from './rollout-object.ts';
import { commitOf, describeCommit } from '../kube/provenance.ts';

/** A bellwether.dev object Events are recorded about: a Rollout, or an Experiment (`kind`). */
export interface EventSubject {
  /** Default Rollout. */
  kind?: string;
  metadata: Pick<RolloutObject['metadata'], 'name' | 'namespace' | 'uid' | 'resourceVersion' | 'annotations'>;
}

/**
 * A Kubernetes Event about a Rollout (or another bellwether.dev object: `kind`). When the object
 * came from Git, the message ends with the commit that declared it (`(commit abc1234 "subject"
 * by author)`, from the provenance annotations the sync writes), so every step can be traced to a
 * reviewed change.
 */
export function rolloutEvent(
  rollout: EventSubject,
  event: RolloutEvent,
  now: number,
  /** A deterministic name (the outbox entry's), so a second create is a 409, not a second Event. */
  name = `${rollout.metadata.name}.${now.toString(16)}${Math.random().toString(16).slice(2, 6)}`,
): CoreV1Event {
  const time = new Date(now);
  const commit = commitOf(rollout.metadata);
  const message = commit ? `${event.message} (commit ${describeCommit(commit)})` : event.message;
  return {
    metadata: {
      name,
      namespace: rollout.metadata.namespace,
    },
    involvedObject: {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: rollout.kind ?? 'Rollout',
      name: rollout.metadata.name,
      namespace: rollout.metadata.namespace,
      uid: rollout.metadata.uid,
      ...(rollout.metadata.resourceVersion ? { resourceVersion: rollout.metadata.resourceVersion } : {}),
    },
    reason: event.reason,
    message,
    type: event.type,
    source: { component: 'bellwether' },
    reportingComponent: 'bellwether.dev/controller',
    reportingInstance: process.env.HOSTNAME ?? 'bellwether',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

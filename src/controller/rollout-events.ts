import type { CoreV1Event } from '@kubernetes/client-node';
import type { RolloutEvent } from '../../strategies/types.ts';
import type { RolloutObject } from './rollout-object.ts';

/**
 * A Kubernetes Event about a Rollout. When the Rollout came from Git, the message ends with the
 * commit that declared it, so every step can be traced to a reviewed change.
 */
export function rolloutEvent(rollout: RolloutObject, event: RolloutEvent, now: number): CoreV1Event {
  const time = new Date(now);
  const source = rollout.status?.source?.revision;
  const message = source ? `${event.message} (commit ${source.slice(0, 7)})` : event.message;
  return {
    metadata: {
      name: `${rollout.metadata.name}.${now.toString(16)}${Math.random().toString(16).slice(2, 6)}`,
      namespace: rollout.metadata.namespace,
    },
    involvedObject: {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'Rollout',
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

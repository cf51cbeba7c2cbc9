import type { OutboxEntry } from '../api/rollout.ts';
import type { RolloutObject } from './rollout-object.ts';

/**
 * The port through which the Rollout reconciler sends an outbox entry's notifications. It is
 * declared here, where it is used; src/notify implements it (Notifier), and the process wiring
 * (`bellwether controller`) plugs one in, so the controller never imports src/notify.
 */
export interface NotifySink {
  /** Sends the entry's notifications; resolves when every one has settled (sent, failed, dropped). */
  deliver(rollout: RolloutObject, entry: OutboxEntry): Promise<void>;
}

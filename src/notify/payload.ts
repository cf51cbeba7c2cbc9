/**
 * What a webhook receives: a generic JSON document, or a Slack incoming-webhook message
 * (`text` as the fallback, `blocks` for the layout). Pure.
 */
import { describeCommit, type Commit } from '../kube/provenance.ts';
import type { PayloadFormat } from './config.ts';
import type { Trigger } from '../controller/notification-triggers.ts';

/** One notification: a trigger fired by one event of one status write. */
export interface Notification {
  /** `<outbox entry id>/<trigger>`: the same on every attempt and after a restart (dedupe by it). */
  id: string;
  trigger: Trigger;
  rollout: string;
  namespace: string;
  /** The Kubernetes Event reason behind it, e.g. RolloutStepCompleted. */
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
  /** status.currentStepIndex as written with the event. */
  step?: number;
  phase?: string;
  /** The Git commit that declared the Rollout, when it came from Git. */
  commit?: Commit;
  /** When the status write that fired it was made, ISO 8601. */
  time: string;
}

export function payloadOf(notification: Notification, format: PayloadFormat): object {
  return format === 'slack' ? slackPayload(notification) : jsonPayload(notification);
}

export function jsonPayload(n: Notification): object {
  return {
    id: n.id,
    trigger: n.trigger,
    rollout: n.rollout,
    namespace: n.namespace,
    reason: n.reason,
    type: n.type,
    message: n.message,
    step: n.step ?? null,
    phase: n.phase ?? null,
    commit: n.commit ?? null,
    time: n.time,
  };
}

const icons: Record<Trigger, string> = {
  'on-rollout-updated': ':arrows_counterclockwise:',
  'on-rollout-step-completed': ':white_check_mark:',
  'on-rollout-paused': ':double_vertical_bar:',
  'on-rollout-promoted': ':arrow_forward:',
  'on-rollout-completed': ':tada:',
  'on-rollout-aborted': ':x:',
  'on-rollout-retried': ':repeat:',
  'on-analysis-run-failed': ':warning:',
};

/** A Slack message; text is escaped the way Slack mrkdwn requires (&, <, >). */
export function slackPayload(n: Notification): object {
  const target = `${n.namespace}/${n.rollout}`;
  const context = [
    n.phase === undefined ? undefined : `phase *${escape(n.phase)}*`,
    n.step === undefined ? undefined : `step index ${String(n.step)}`,
    n.commit === undefined ? undefined : `commit ${escape(describeCommit(n.commit))}`,
  ].filter((part) => part !== undefined);
  return {
    text: `${target}: ${n.message}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${icons[n.trigger]} *${escape(target)}*\n${escape(n.message)}` },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: [...context, escape(n.trigger)].join(' · ') }],
      },
    ],
  };
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

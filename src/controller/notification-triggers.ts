/**
 * Which notification triggers a Rollout's events fire. One table maps event reasons (what the
 * strategies emit, see strategies/types.ts RolloutEvent) to trigger names (what operators
 * subscribe to, named after Argo Rollouts' built-in triggers). A strategy that adds an event
 * reason adds its row here. Pure.
 */
import type { RolloutEvent, RolloutStatusView } from '../../strategies/types.ts';

export const triggerNames = [
  'on-rollout-updated',
  'on-rollout-step-completed',
  'on-rollout-paused',
  'on-rollout-promoted',
  'on-rollout-completed',
  'on-rollout-aborted',
  'on-rollout-retried',
  'on-analysis-run-failed',
] as const;
export type Trigger = (typeof triggerNames)[number];

export function isTrigger(name: string): name is Trigger {
  return (triggerNames as readonly string[]).includes(name);
}

/** A status as it was written, for triggers that depend on more than the reason. */
type WrittenStatus = Pick<RolloutStatusView, 'canary'> & {
  blueGreen?: object;
  abTest?: object;
};

interface TriggerRule {
  trigger: Trigger;
  /** Fires only when this holds for the event and the status written with it. */
  when?: (event: RolloutEvent, status: WrittenStatus) => boolean;
}

/**
 * Event reason -> triggers, in the order they are sent. An abort caused by a failed analysis
 * fires on-analysis-run-failed before on-rollout-aborted: the strategies report both with one
 * RolloutAborted event whose message names the run the way strategies/kernel/analysis-runs.ts
 * describeRun() does (`analysis run NAME Failed: ...`), or whose written status still shows it.
 */
export const reasonTriggers: Readonly<Record<string, readonly TriggerRule[]>> = {
  RolloutUpdated: [{ trigger: 'on-rollout-updated' }],
  RolloutStepCompleted: [{ trigger: 'on-rollout-step-completed' }],
  RolloutPaused: [{ trigger: 'on-rollout-paused' }],
  RolloutPromoted: [{ trigger: 'on-rollout-promoted' }],
  RolloutCompleted: [{ trigger: 'on-rollout-completed' }],
  RolloutAborted: [
    {
      trigger: 'on-analysis-run-failed',
      when: (event, status) =>
        failedRunMessage.test(event.message) || failedAnalysisRun(status) !== undefined,
    },
    { trigger: 'on-rollout-aborted' },
  ],
  RolloutRetried: [{ trigger: 'on-rollout-retried' }],
};

export interface Fired {
  trigger: Trigger;
  event: RolloutEvent;
}

/** The triggers a batch of events fires, in event order. Reasons without a row fire nothing. */
export function firedTriggers(events: readonly RolloutEvent[], status: WrittenStatus): Fired[] {
  return events.flatMap((event) =>
    (reasonTriggers[event.reason] ?? [])
      .filter((rule) => rule.when?.(event, status) ?? true)
      .map((rule) => ({ trigger: rule.trigger, event })),
  );
}

const failedPhases: ReadonlySet<string> = new Set(['Failed', 'Error']);
const failedRunMessage = /\banalysis run \S+ (Failed|Error)\b/;

/**
 * The first `*AnalysisRunStatus` of any strategy (canary, blueGreen, abTest) whose run Failed or
 * ended in Error, e.g. status.canary.currentStepAnalysisRunStatus.
 */
export function failedAnalysisRun(status: WrittenStatus): { name: string; status: string } | undefined {
  for (const section of [status.canary, status.blueGreen, status.abTest]) {
    if (section === undefined) continue;
    for (const [key, value] of Object.entries(section)) {
      if (!key.endsWith('AnalysisRunStatus') || typeof value !== 'object' || value === null) continue;
      const run = value as { name?: unknown; status?: unknown };
      if (typeof run.name === 'string' && typeof run.status === 'string' && failedPhases.has(run.status))
        return { name: run.name, status: run.status };
    }
  }
  return undefined;
}

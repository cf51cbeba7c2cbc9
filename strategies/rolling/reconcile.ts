/**
 * The rolling update (`strategy.rolling`, and a canary without steps): Deployment semantics.
 * The current version's ReplicaSet surges up to `replicas + maxSurge` pods, older ones go down
 * oldest first while at least `replicas - maxUnavailable` pods stay available, and the current
 * version becomes `stableRS` once it is fully available and every older RS is at zero.
 *
 * Operations work as for the canary: `spec.paused` holds every RS where it is; `status.abort`
 * rolls back to the stable version under the same limits (Degraded) until `status.abort` is
 * false again (retry) or a new version arrives. Pure: the same input gives the same decision.
 */
import { findView } from '../kernel/replica-set-view.ts';
import { ConditionReason, ConditionType, findCondition, wasPausedByUser } from '../kernel/conditions.ts';
import { compact } from '../kernel/compact.ts';
import { replicaCounts, replicasProgressed, type ReplicaCounts } from '../kernel/progress.ts';
import {
  minAvailable,
  planReplicaSetScaling,
  resolveRollingLimits,
  type RollingLimits,
} from '../kernel/replicas.ts';
import { rolloutConditions } from '../kernel/rollout-conditions.ts';
import { desiredReplicas, progressDeadlineMs } from '../kernel/rollout-settings.ts';
import { holdEvent } from '../kernel/rollout-events.ts';
import { withRequeue } from '../kernel/timer.ts';
import { fromIso, keepIsoSpelling } from '../kernel/time.ts';
import type {
  Phase,
  RollingStrategySpec,
  RolloutEvent,
  RolloutStatusView,
  StrategyDecision,
  StrategyInput,
} from '../types.ts';

/** What this reconcile decided about the rollout's lifecycle. */
interface RollingState {
  stable: string;
  abort: boolean;
  abortedAt: number | undefined;
  lastProgressAt: number;
  held: boolean;
  events: RolloutEvent[];
}

interface RollingFacts {
  input: StrategyInput;
  replicas: number;
  limits: RollingLimits;
  deadlineMs: number;
  counts: ReplicaCounts;
}

/**
 * One reconcile of a rolling update. `strategy` carries maxSurge / maxUnavailable: the rolling
 * spec, or the canary spec when a canary has no steps. Throws `InvalidSpecError`.
 */
export function reconcileRolling(
  input: StrategyInput,
  strategy: RollingStrategySpec = input.spec.strategy.rolling ?? {},
): StrategyDecision {
  const replicas = desiredReplicas(input.spec);
  const fieldPrefix = input.spec.strategy.rolling ? 'spec.strategy.rolling' : 'spec.strategy.canary';
  const facts: RollingFacts = {
    input,
    replicas,
    limits: resolveRollingLimits(replicas, strategy, fieldPrefix),
    deadlineMs: progressDeadlineMs(input.spec),
    counts: replicaCounts(input.replicaSets, input.currentPodHash),
  };
  const state = lifecycleBookkeeping(input, facts.counts);
  abortOnProgressDeadline(facts, state);
  const target = isAborted(input, state) ? state.stable : input.currentPodHash;
  const replicaSets =
    state.held && !isAborted(input, state)
      ? Object.fromEntries(input.replicaSets.map((view) => [view.hash, view.specReplicas]))
      : planReplicaSetScaling({
          replicas,
          limits: facts.limits,
          views: input.replicaSets,
          targets: { [target]: replicas },
          scaleUpFirst: [target],
        });
  completeIfRolledOut(facts, state);

  const deadlineExceeded = isAdvancing(input, state) && input.now - state.lastProgressAt >= facts.deadlineMs;
  const decision: StrategyDecision = {
    replicaSets,
    scaleDownDeadlines: staleDeadlines(input),
    selectors: { canary: target, stable: state.stable },
    status: rollingStatus(facts, state, deadlineExceeded),
    events: state.events,
  };
  const deadline = state.lastProgressAt + facts.deadlineMs;
  return withRequeue(decision, input.now, [
    isAdvancing(input, state) && !deadlineExceeded ? deadline : undefined,
  ]);
}

function isAborted(input: StrategyInput, state: RollingState): boolean {
  return state.abortedAt !== undefined && input.currentPodHash !== state.stable;
}

/** Moving toward the current version on its own: what the progress deadline watches. */
function isAdvancing(input: StrategyInput, state: RollingState): boolean {
  return input.currentPodHash !== state.stable && !state.held && !isAborted(input, state);
}

/** spec.progressDeadlineAbort: a stalled update rolls back as if an operator had aborted it. */
function abortOnProgressDeadline({ input, deadlineMs }: RollingFacts, state: RollingState): void {
  if (!input.spec.progressDeadlineAbort || !isAdvancing(input, state)) return;
  if (input.now - state.lastProgressAt < deadlineMs) return;
  state.abort = true;
  state.abortedAt = input.now;
  state.events.push({
    type: 'Warning',
    reason: 'RolloutAborted',
    message: `Rollout aborted: no progress for ${deadlineMs / 1000}s (progressDeadlineAbort); rolling back to ${state.stable}`,
  });
}

/** The current version at size and available, every older RS at zero: it becomes stable. */
function completeIfRolledOut({ input, replicas }: RollingFacts, state: RollingState): void {
  const current = input.currentPodHash;
  if (!isAdvancing(input, state) || !isSettled(input, current, replicas)) return;
  state.stable = current;
  state.lastProgressAt = input.now;
  state.events.push({
    type: 'Normal',
    reason: 'RolloutCompleted',
    message: `Rollout completed: ${current} is stable with ${replicas} replicas`,
  });
}

function isSettled(input: StrategyInput, hash: string, replicas: number): boolean {
  const view = findView(input.replicaSets, hash);
  return (
    view !== undefined &&
    view.specReplicas === replicas &&
    view.availableReplicas >= replicas &&
    input.replicaSets.every((other) => other.hash === hash || other.specReplicas === 0)
  );
}

function rollingStatus(
  facts: RollingFacts,
  state: RollingState,
  deadlineExceeded: boolean,
): RolloutStatusView {
  const { input, replicas, counts } = facts;
  const current = input.currentPodHash;
  const aborted = isAborted(input, state);
  const settled = isSettled(input, state.stable, replicas);
  let phase: Phase = 'Progressing';
  if (aborted || deadlineExceeded) phase = 'Degraded';
  else if (state.held) phase = 'Paused';
  else if (current === state.stable && settled) phase = 'Healthy';
  const message = rollingMessage({ facts, state, aborted, deadlineExceeded, settled });
  return compact({
    ...withoutCanaryFields(input.status),
    phase,
    message,
    observedGeneration: input.generation,
    currentPodHash: current,
    stableRS: state.stable,
    abort: state.abort ? true : undefined,
    abortedAt:
      state.abortedAt === undefined ? undefined : keepIsoSpelling(input.status.abortedAt, state.abortedAt),
    ...counts,
    conditions: rolloutConditions(
      input.status.conditions,
      {
        phase,
        aborted,
        deadlineExceeded,
        pausedBy: state.held
          ? { reason: ConditionReason.PausedByUser, message: 'Paused by user (spec.paused)' }
          : undefined,
        completed: current === state.stable,
        currentPodHash: current,
        stableRS: state.stable,
        lastProgressAt: state.lastProgressAt,
        progressDeadlineMs: facts.deadlineMs,
        availableReplicas: counts.availableReplicas,
        minAvailable: minAvailable(replicas, facts.limits),
      },
      input.now,
    ),
  });
}

/**
 * New version, abort, retry, pause and resume, read from spec and status. Each is reported once:
 * on the reconcile where status did not record it yet.
 */
function lifecycleBookkeeping(input: StrategyInput, counts: ReplicaCounts): RollingState {
  const { status, now } = input;
  const current = input.currentPodHash;
  const events: RolloutEvent[] = [];
  const progressing = findCondition(status.conditions, ConditionType.Progressing);
  let lastProgressAt = fromIso(progressing?.lastUpdateTime) ?? now;
  if (replicasProgressed(status, counts)) lastProgressAt = now;

  // A stable RS that is gone cannot be protected (and the first version has none): adopt current.
  const stableExists = input.replicaSets.some((view) => view.hash === status.stableRS);
  const stable = stableExists && status.stableRS !== undefined ? status.stableRS : current;
  let abort = status.abort === true;
  let abortedAt = fromIso(status.abortedAt);

  if (status.currentPodHash !== current) {
    abort = false;
    abortedAt = undefined;
    lastProgressAt = now;
    events.push({
      type: 'Normal',
      reason: 'RolloutUpdated',
      message:
        stable === current
          ? `Version ${current} deployed as stable`
          : `New version ${current} detected: rolling update from ${stable}`,
    });
  }
  const held = input.spec.paused === true;
  const wasHeld = wasPausedByUser(status.conditions);
  if (held && !wasHeld) events.push(holdEvent('pausedByUser'));
  if (!held && wasHeld) {
    lastProgressAt = now;
    events.push(holdEvent('resumedByUser'));
  }

  const updating = current !== stable;
  if (updating && abort && abortedAt === undefined) {
    abortedAt = now;
    events.push({
      type: 'Warning',
      reason: 'RolloutAborted',
      message: `Rollout aborted: status.abort set; rolling back to ${stable}`,
    });
  } else if (abortedAt !== undefined && !abort) {
    abortedAt = undefined;
    lastProgressAt = now;
    events.push({
      type: 'Normal',
      reason: 'RolloutRetried',
      message: `Rollout retried: rolling update to ${current} again`,
    });
  }
  return { stable, abort, abortedAt, lastProgressAt, held, events };
}

/** Deadline annotations mean nothing to a rolling update (a canary may have left them): clear them. */
function staleDeadlines(input: StrategyInput): Record<string, null> {
  return Object.fromEntries(
    input.replicaSets.filter((view) => view.scaleDownDeadline !== undefined).map((view) => [view.hash, null]),
  );
}

/** Status fields only the canary writes, dropped when a Rollout runs (or switched to) a rolling update. */
function withoutCanaryFields(status: RolloutStatusView): RolloutStatusView {
  const {
    currentStepIndex: _index,
    currentStepHash: _hash,
    controllerPause: _controllerPause,
    promoteFull: _promoteFull,
    canary: _canary,
    ...rest
  } = status;
  const pauseConditions = rest.pauseConditions?.filter(
    (condition) => condition.reason !== ConditionReason.CanaryPauseStep,
  );
  return { ...rest, pauseConditions: pauseConditions?.length ? pauseConditions : undefined };
}

function rollingMessage(args: {
  facts: RollingFacts;
  state: RollingState;
  aborted: boolean;
  deadlineExceeded: boolean;
  settled: boolean;
}): string {
  const { facts, state } = args;
  const { replicas, counts } = facts;
  const current = facts.input.currentPodHash;
  if (args.aborted) {
    return (
      `RolloutAborted: update to ${current} aborted; rolling back to ${state.stable}, ` +
      `${counts.availableReplicas}/${replicas} available. Set status.abort=false to retry`
    );
  }
  let message: string;
  if (current !== state.stable) {
    message =
      `Rolling update to ${current}: ${counts.updatedReplicas}/${replicas} updated, ` +
      `${counts.availableReplicas} available, ${counts.replicas - counts.updatedReplicas} old pods left`;
  } else if (args.settled) {
    message = `Healthy: ${replicas}/${replicas} replicas of ${state.stable} available`;
  } else {
    message = `Scaling ${state.stable} to ${replicas} replicas: ${counts.availableReplicas}/${replicas} available`;
  }
  if (state.held) return `Paused by user (spec.paused): ${message}`;
  if (args.deadlineExceeded)
    return `ProgressDeadlineExceeded: no progress for ${facts.deadlineMs / 1000}s. ${message}`;
  return message;
}

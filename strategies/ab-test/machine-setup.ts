/**
 * The A/B machine's vocabulary: its lifecycle states, what its context records, what one
 * reconcile observes, the verdicts that decide (`verdictDecision`), and the guards and actions
 * (`setup()`) its transitions name. The kernel's guards and the A/B effects (`events.ts`) are
 * spread in. Pure.
 */
import { assign, setup } from 'xstate';
import {
  backgroundRunId,
  stepRunId,
  verdictOf,
  type ObservedRuns,
  type RunVerdict,
  type Verdict,
} from '../kernel/analysis-runs.ts';
import {
  INITIAL_KERNEL_CONTEXT,
  NOTHING_IN_FLIGHT,
  availableOf,
  kernelActions,
  kernelGuards,
  type EventlessTransition,
  type EventlessTransitionAction,
  type KernelContext,
  type KernelObservation,
  type LayeredStateValue,
} from '../kernel/machine.ts';
import { abEffects, type DecisionCause } from './events.ts';
import { podsForShare, type AbDecisionRules, type AbDecisionValue, type AbStep } from './settings.ts';

export const AbLifecycle = {
  healthy: 'healthy',
  testing: 'testing',
  paused: 'paused',
  waiting: 'waiting',
  promotingB: 'promotingB',
  keptA: 'keptA',
} as const;
export type AbLifecycle = (typeof AbLifecycle)[keyof typeof AbLifecycle];

export type AbStateValue = LayeredStateValue<AbLifecycle>;

/**
 * What status records (rebuilt from status each reconcile). Times are epoch ms. currentPodHash is
 * variant B (the version of spec.template under test), stableRS variant A; pauseStartedAt is the
 * AbTestPause pause condition (a pause step).
 */
export interface AbContext extends KernelContext {
  stepIndex: number;
  /** Start of the AbTestDecision pause condition (decision Wait); undefined once cleared by a promote. */
  waitStartedAt: number | undefined;
  decision: AbDecisionValue | undefined;
}

/** Nothing of a test in flight: what a new version starts from. */
const NO_TEST_IN_FLIGHT = {
  ...NOTHING_IN_FLIGHT,
  stepIndex: 0,
  waitStartedAt: undefined,
  decision: undefined,
} as const satisfies Partial<AbContext>;

/** A Rollout with an empty status. */
export const AB_INITIAL_CONTEXT: AbContext = { ...INITIAL_KERNEL_CONTEXT, ...NO_TEST_IN_FLIGHT };

/** The one event per reconcile. */
export interface AbObservation extends KernelObservation {
  type: 'OBSERVE';
  replicas: number;
  steps: readonly AbStep[];
  /** The comparison (background) analysis is configured, from this step on. */
  comparisonFrom: number | undefined;
  rules: AbDecisionRules;
  /** Available pods by ReplicaSet hash. */
  available: Readonly<Record<string, number>>;
  analysisRuns: ObservedRuns;
}

export type GuardArgs = { context: AbContext; event: AbObservation };

const currentStep = ({ context, event }: GuardArgs): AbStep | undefined => event.steps[context.stepIndex];

/** The comparison run of this B and attempt, while it is requested (from its starting step on). */
export function comparisonRun(
  context: AbContext,
  event: Pick<AbObservation, 'comparisonFrom' | 'analysisRuns'>,
) {
  if (context.currentPodHash === undefined || event.comparisonFrom === undefined) return undefined;
  if (context.stepIndex < event.comparisonFrom) return undefined;
  const run = event.analysisRuns[backgroundRunId(context.currentPodHash, context.attempt)];
  return run && { kind: 'background' as const, ...run };
}

/** The current step's analysis run of this B and attempt, if the current step is an analysis. */
export function stepRun(context: AbContext, event: Pick<AbObservation, 'steps' | 'analysisRuns'>) {
  if (context.currentPodHash === undefined) return undefined;
  if (event.steps[context.stepIndex]?.kind !== 'analysis') return undefined;
  const run = event.analysisRuns[stepRunId(context.currentPodHash, context.attempt, context.stepIndex)];
  return run && { kind: 'step' as const, ...run };
}

/** What `decision` says for a verdict; undefined = no verdict yet. */
export function decisionFor(verdict: Verdict, rules: AbDecisionRules): AbDecisionValue | undefined {
  switch (verdict) {
    case 'successful':
      return rules.onSuccess;
    case 'failed':
      return rules.onFailure;
    case 'inconclusive':
      return rules.onInconclusive;
    case 'none':
      return undefined;
  }
}

/** The decision a verdict forces now, and the run behind it (the comparison run first). */
export function verdictDecision(
  args: GuardArgs,
): { decision: AbDecisionValue; cause: DecisionCause; run: RunVerdict } | undefined {
  const comparison = comparisonRun(args.context, args.event);
  const fromComparison = comparison && decisionFor(verdictOf(comparison), args.event.rules);
  if (comparison && fromComparison) return { decision: fromComparison, cause: 'comparison', run: comparison };
  const step = stepRun(args.context, args.event);
  const verdict = verdictOf(step);
  // A Successful step analysis completes its step; only a failure or no verdict decides.
  if (!step || verdict === 'successful') return undefined;
  const fromStep = decisionFor(verdict, args.event.rules);
  return fromStep && { decision: fromStep, cause: 'stepAnalysis', run: step };
}

export const abSetup = setup({
  types: { context: {} as AbContext, events: {} as AbObservation },
  guards: {
    ...kernelGuards,
    decides: (args, params: { decision: AbDecisionValue }) =>
      verdictDecision(args)?.decision === params.decision,
    stepsDone: ({ context, event }) => context.stepIndex >= event.steps.length,
    noComparison: ({ event }) => event.comparisonFrom === undefined,
    splitReady: (args) => {
      const step = currentStep(args);
      return (
        step?.kind === 'setSplit' &&
        availableOf(args.event, args.context.currentPodHash) >= podsForShare(args.event.replicas, step.b)
      );
    },
    atPauseStep: (args) => currentStep(args)?.kind === 'pause',
    stepAnalysisPassed: (args) => verdictOf(stepRun(args.context, args.event)) === 'successful',
    pauseOver: ({ context, event }) => {
      if (context.controllerPause && context.pauseStartedAt === undefined) return true; // promoted
      const step = event.steps[context.stepIndex];
      const ms = step?.kind === 'pause' ? step.ms : undefined;
      return (
        ms !== undefined && context.pauseStartedAt !== undefined && event.now >= context.pauseStartedAt + ms
      );
    },
    waitReleased: ({ context }) => context.controllerPause && context.waitStartedAt === undefined,
    bFullyAvailable: ({ context, event }) => availableOf(event, context.currentPodHash) >= event.replicas,
  },
  actions: {
    ...kernelActions<AbContext, AbObservation>(),
    adoptAsStable: assign(({ event }) => ({ currentPodHash: event.podHash, stableRS: event.podHash })),
    recordNewVersion: assign(({ context, event }) => ({
      currentPodHash: event.podHash,
      ...NO_TEST_IN_FLIGHT,
      attempt: context.attempt + 1,
    })),
    nextStep: assign({ stepIndex: ({ context }) => context.stepIndex + 1 }),
    clearPauses: assign({ pauseStartedAt: undefined, waitStartedAt: undefined, controllerPause: false }),
    startWait: assign(({ event }) => ({
      waitStartedAt: event.now,
      controllerPause: true,
      decision: 'Wait' as const,
    })),
    choosePromoteB: assign({ decision: 'PromoteB' as const, promoteFull: false }),
    chooseKeepA: assign(({ event }) => ({ decision: 'KeepA' as const, abort: true, abortedAt: event.now })),
    promoteToStable: assign(({ context }) => ({ stableRS: context.currentPodHash, decision: undefined })),
    // A promote --full given while A was kept is not carried into the retried test.
    clearAbort: assign(({ context }) => ({
      abortedAt: undefined,
      promoteFull: false,
      decision: undefined,
      stepIndex: 0,
      attempt: context.attempt + 1,
    })),

    ...abEffects,
  },
});

export type Transition = EventlessTransition<typeof abSetup>;
export type TransitionAction = EventlessTransitionAction<typeof abSetup>;

/**
 * The canary machine's vocabulary: its lifecycle states, what its context records, what one
 * reconcile observes, and the guards and actions (`setup()`) its transitions name. The kernel's
 * guards and actions and the canary's effects (`events.ts`) are spread in. Pure.
 */
import { assign, setup } from 'xstate';
import type { StepKind } from './steps.ts';
import { canaryEffects } from './events.ts';
import {
  backgroundActiveAt,
  backgroundRunId,
  stepRunId,
  verdictOf,
  type ObservedRuns,
  type RunVerdict,
} from '../kernel/analysis-runs.ts';
import {
  INITIAL_KERNEL_CONTEXT,
  NOTHING_IN_FLIGHT,
  kernelActions,
  kernelGuards,
  progressActions,
  progressGuards,
  type EventlessTransition,
  type EventlessTransitionAction,
  type KernelContext,
  type LayeredStateValue,
  type ProgressContext,
  type ProgressObservation,
} from '../kernel/machine.ts';

export const Lifecycle = {
  /** stable == current: nothing in flight (also the first deploy, scaling up). */
  healthy: 'healthy',
  /** Executing step `stepIndex` (not a pause). */
  progressing: 'progressing',
  /** At a pause step (status.controllerPause): timed, or until promoted. */
  paused: 'paused',
  /** An AnalysisRun was Inconclusive (controllerPause, InconclusiveAnalysisRun): until promoted. */
  inconclusive: 'inconclusive',
  /** Steps done or skipped: the canary goes to full size, then becomes stable. */
  completing: 'completing',
  /** status.abort: back to stable until retried or a new version arrives. */
  aborted: 'aborted',
} as const;
export type Lifecycle = (typeof Lifecycle)[keyof typeof Lifecycle];

export type CanaryStateValue = LayeredStateValue<Lifecycle>;

/** What status records (rebuilt from status each reconcile). Times are epoch ms. */
export interface CanaryContext extends KernelContext, ProgressContext {
  stepIndex: number;
  stepsHash: string | undefined;
  /** Start of the InconclusiveAnalysisRun pause condition; undefined once an operator cleared it. */
  inconclusivePausedAt: number | undefined;
  /**
   * Status shows an Inconclusive run (status.canary.current*AnalysisRunStatus): with controllerPause
   * and no pause condition left, an operator promoted past it.
   */
  analysisInconclusive: boolean;
}

/** No step, pause, abort or promote --full in flight: what a new version starts from. */
const NO_STEPS_IN_FLIGHT = {
  ...NOTHING_IN_FLIGHT,
  stepIndex: 0,
  inconclusivePausedAt: undefined,
  analysisInconclusive: false,
} as const satisfies Partial<CanaryContext>;

/** A fresh Rollout's context: empty status. */
export const INITIAL_CONTEXT: CanaryContext = {
  ...INITIAL_KERNEL_CONTEXT,
  ...NO_STEPS_IN_FLIGHT,
  stepsHash: undefined,
  lastProgressAt: 0,
};

/** Where the machine stands after one reconcile's transition: its state and what status will record. */
export interface CanaryOutcome {
  value: CanaryStateValue;
  context: CanaryContext;
}

/** What one reconcile observed about step i. */
export interface StepObservation {
  kind: StepKind;
  /** Length of a timed pause; undefined for `pause: {}` and other steps. */
  pauseMs?: number;
  /** A non-pause step's work is done (its replica targets are reached). Not used for analysis. */
  done: boolean;
  /**
   * An analysis step that also sets the canary scale: its pods are at their targets. The step
   * completes only when its run passed and this holds. Absent: nothing to wait for.
   */
  podsReady?: boolean;
}

/** The one event per reconcile. */
export interface CanaryObservation extends ProgressObservation {
  type: 'OBSERVE';
  /** Hash of the current steps. */
  stepsHash: string;
  steps: readonly StepObservation[];
  /**
   * The highest step index the Rollout may reach now (a RolloutGroup in lockstep,
   * StrategyInput.maxStepIndex); Infinity when nothing limits it. A step whose completion would
   * pass it is not completed, as if held by the user.
   */
  maxStepIndex: number;
  /** The current version is a recent stable one (spec.rollbackWindow): skip the steps. */
  inRollbackWindow: boolean;
  /** The current version's RS is at spec.replicas, all available. */
  canaryFullyAvailable: boolean;
  /** No traffic router, or the router carries all traffic to the canary (it may become stable). */
  routerAtFull: boolean;
  /** The Rollout's AnalysisRuns by request id (the guards compute the ids from the context). */
  analysisRuns: ObservedRuns;
  /** spec.strategy.canary.analysis, when set. */
  background: { startingStep: number } | undefined;
}

export type GuardArgs = { context: CanaryContext; event: CanaryObservation };

export const currentStep = ({ context, event }: GuardArgs): StepObservation | undefined =>
  event.steps[context.stepIndex];
/** Steps whose verdict is a run: an analysis step's AnalysisRun, an experiment step's Experiment. */
const atGatedStep = (args: GuardArgs): boolean => {
  const kind = currentStep(args)?.kind;
  return kind === 'analysis' || kind === 'experiment';
};
/** The current step's AnalysisRun (or Experiment) of this attempt, if the step has one and it exists. */
export const stepRun = (args: GuardArgs): RunVerdict | undefined => {
  const { context, event } = args;
  if (!atGatedStep(args) || context.currentPodHash === undefined) return undefined;
  const run = event.analysisRuns[stepRunId(context.currentPodHash, context.attempt, context.stepIndex)];
  return run && { kind: 'step', ...run };
};
/** The background AnalysisRun of this attempt, while background analysis runs and if it exists. */
export const backgroundRun = ({ context, event }: GuardArgs): RunVerdict | undefined => {
  const { background } = event;
  if (
    background === undefined ||
    context.currentPodHash === undefined ||
    !backgroundActiveAt(context.stepIndex, event.steps.length, background.startingStep)
  )
    return undefined;
  const run = event.analysisRuns[backgroundRunId(context.currentPodHash, context.attempt)];
  return run && { kind: 'background', ...run };
};
export const inconclusiveRuns = (args: GuardArgs): RunVerdict[] =>
  [stepRun(args), backgroundRun(args)].filter((run): run is RunVerdict => verdictOf(run) === 'inconclusive');

export const pauseEnd = (args: GuardArgs): number | undefined => {
  const pauseMs = currentStep(args)?.pauseMs;
  const { pauseStartedAt } = args.context;
  return pauseMs === undefined || pauseStartedAt === undefined ? undefined : pauseStartedAt + pauseMs;
};

export const canarySetup = setup({
  types: {
    context: {} as CanaryContext,
    events: {} as CanaryObservation,
  },
  guards: {
    ...kernelGuards,
    ...progressGuards,
    newVersionInRollbackWindow: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.inRollbackWindow,
    stepsChanged: ({ context, event }) => event.stepsHash !== context.stepsHash,
    atStepLimit: ({ context, event }) => context.stepIndex >= event.maxStepIndex,
    stepsDone: ({ context, event }) => context.stepIndex >= event.steps.length,
    atPauseStep: (args) => currentStep(args)?.kind === 'pause',
    stepDone: (args) => currentStep(args)?.done === true,
    notAtPauseStep: (args) => currentStep(args)?.kind !== 'pause',
    pauseReleased: ({ context }) => context.controllerPause && context.pauseStartedAt === undefined,
    pauseElapsed: (args) => {
      const end = pauseEnd(args);
      return end !== undefined && args.event.now >= end;
    },
    canaryFullyAvailable: ({ event }) => event.canaryFullyAvailable,
    routerAtFull: ({ event }) => event.routerAtFull,
    atAnalysisStep: atGatedStep,
    stepRunSucceeded: (args) => verdictOf(stepRun(args)) === 'successful',
    stepPodsReady: (args) => currentStep(args)?.podsReady !== false,
    stepRunFailed: (args) => verdictOf(stepRun(args)) === 'failed',
    stepRunInconclusive: (args) => verdictOf(stepRun(args)) === 'inconclusive',
    backgroundRunFailed: (args) => verdictOf(backgroundRun(args)) === 'failed',
    backgroundRunInconclusive: (args) => verdictOf(backgroundRun(args)) === 'inconclusive',
    inconclusiveReleased: ({ context }) =>
      context.controllerPause && context.inconclusivePausedAt === undefined,
  },
  actions: {
    ...kernelActions<CanaryContext, CanaryObservation>(),
    ...progressActions<CanaryContext, CanaryObservation>(),
    adoptAsStable: assign(({ event }) => ({
      currentPodHash: event.podHash,
      stableRS: event.podHash,
      stepsHash: event.stepsHash,
      stepIndex: event.steps.length,
      lastProgressAt: event.now,
    })),
    recordNewVersion: assign(({ context, event }) => ({
      ...NO_STEPS_IN_FLIGHT,
      currentPodHash: event.podHash,
      stepsHash: event.stepsHash,
      lastProgressAt: event.now,
      attempt: context.attempt + 1,
    })),
    skipRemainingSteps: assign({ stepIndex: ({ event }) => event.steps.length }),
    recordStepsHash: assign({ stepsHash: ({ event }) => event.stepsHash }),
    restartSteps: assign(({ context, event }) => ({
      stepIndex: 0,
      stepsHash: event.stepsHash,
      lastProgressAt: event.now,
      attempt: context.attempt + 1,
    })),
    advanceStep: assign(({ context, event }) => ({
      stepIndex: context.stepIndex + 1,
      lastProgressAt: event.now,
    })),
    clearPause: assign({ pauseStartedAt: undefined, controllerPause: false }),
    startInconclusivePause: assign(({ event }) => ({
      inconclusivePausedAt: event.now,
      controllerPause: true,
      analysisInconclusive: true,
    })),
    clearInconclusivePause: assign({
      inconclusivePausedAt: undefined,
      controllerPause: false,
      analysisInconclusive: false,
    }),
    /** The operator accepted an Inconclusive background run: the next attempt gets a fresh one. */
    acceptBackground: assign(({ context, event }) => ({
      attempt: context.attempt + 1,
      lastProgressAt: event.now,
    })),
    recordAbort: assign(({ event }) => ({ abort: true, abortedAt: event.now, stepIndex: 0 })),
    clearAbort: assign(({ context, event }) => ({
      abortedAt: undefined,
      stepIndex: 0,
      lastProgressAt: event.now,
      attempt: context.attempt + 1,
    })),
    promoteToStable: assign(({ context, event }) => ({
      stableRS: context.currentPodHash,
      promoteFull: false,
      lastProgressAt: event.now,
    })),

    ...canaryEffects,
  },
});

export type Transition = EventlessTransition<typeof canarySetup>;
export type TransitionAction = EventlessTransitionAction<typeof canarySetup>;

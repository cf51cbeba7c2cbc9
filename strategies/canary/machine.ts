/**
 * The canary lifecycle as an xstate v5 machine, used as a pure function: the caller rebuilds a
 * snapshot from `status` (`canaryMachine.resolveState`), sends one `OBSERVE` event per reconcile
 * and reads back the next snapshot and the actions, which are only data (`{ type, params }`)
 * naming what happened, for the caller to turn into Kubernetes Events.
 *
 * Everything happens in eventless (`always`) transitions: the observation stays the event for
 * the whole macrostep, so one reconcile runs the lifecycle forward until nothing more can change
 * for this observation (step done -> next step -> its pause starts...). Guards compare what is
 * observed (the event) with what status records (the context) — levels, not edges — so feeding
 * the result back with the same observation changes nothing: a reconcile is idempotent.
 *
 * No `after` timers: pauses and deadlines compare `event.now` with times kept in context.
 *
 * Two parallel regions:
 * - `lifecycle`: healthy -> progressing <-> paused -> completing -> healthy, and aborted; an
 *   Inconclusive AnalysisRun pauses in `inconclusive` until promoted, a Failed one aborts;
 * - `hold`: running / heldByUser (`spec.paused`), which blocks every forward move of the lifecycle
 *   (but not bookkeeping such as noticing a new version, and not an abort).
 *
 * `event.maxStepIndex` (a RolloutGroup in lockstep) blocks only the moves that complete a step
 * at that index, and the progress deadline while it does: waiting for the other members is no stall.
 */
import { and, assign, not, setup } from 'xstate';
import type { AbortCause } from '../kernel/abort-cause.ts';
import {
  backgroundActiveAt,
  backgroundRunId,
  stepRunId,
  verdictOf,
  type ObservedRuns,
  type RunKind,
  type RunVerdict,
} from '../kernel/analysis-runs.ts';
import {
  Hold,
  type EventlessTransition,
  type EventlessTransitionAction,
  type LayeredStateValue,
} from '../kernel/machine.ts';
import type { StepKind } from './steps.ts';

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

export { Hold };

export type CanaryStateValue = LayeredStateValue<Lifecycle>;

/** What status records (rebuilt from status each reconcile). Times are epoch ms. */
export interface CanaryContext {
  currentPodHash: string | undefined;
  stableRS: string | undefined;
  stepIndex: number;
  stepsHash: string | undefined;
  /** Start of the CanaryPauseStep pause condition; undefined once an operator cleared it. */
  pauseStartedAt: number | undefined;
  controllerPause: boolean;
  /** status.abort: the operator's (or the progress deadline's) request. */
  abort: boolean;
  /** When the abort was carried out; set = the machine is in `aborted`. */
  abortedAt: number | undefined;
  promoteFull: boolean;
  /** Last progress (Progressing condition lastUpdateTime), for the progress deadline. */
  lastProgressAt: number;
  /** status.canary.attempt: part of every AnalysisRun id, bumped when the steps start over. */
  attempt: number;
  /** Start of the InconclusiveAnalysisRun pause condition; undefined once an operator cleared it. */
  inconclusivePausedAt: number | undefined;
  /**
   * Status shows an Inconclusive run (status.canary.current*AnalysisRunStatus): with controllerPause
   * and no pause condition left, an operator promoted past it.
   */
  analysisInconclusive: boolean;
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
export interface CanaryObservation {
  type: 'OBSERVE';
  now: number;
  /** Hash of the current pod template (the version the spec asks for). */
  podHash: string;
  /** Hash of the current steps. */
  stepsHash: string;
  steps: readonly StepObservation[];
  /** spec.paused */
  userPaused: boolean;
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
  /** ReplicaSet counts moved forward since status was written. */
  replicaProgress: boolean;
  progressDeadlineMs: number;
  progressDeadlineAbort: boolean;
  /** The Rollout's AnalysisRuns by request id (the guards compute the ids from the context). */
  analysisRuns: ObservedRuns;
  /** spec.strategy.canary.analysis, when set. */
  background: { startingStep: number } | undefined;
}

/** How a new version is handled. */
export type VersionRoute = 'initial' | 'steps' | 'stable' | 'rollbackWindow';

/**
 * The custom actions the machine returns, one per thing that happened. They run nothing;
 * `events.ts` turns them into Kubernetes Events.
 */
export type CanaryEffect =
  | { type: 'versionDetected'; params: { podHash: string; route: VersionRoute } }
  | { type: 'stepsChanged'; params: { stepsHash: string } }
  | { type: 'stepStarted'; params: { index: number } }
  | { type: 'stepCompleted'; params: { index: number } }
  | { type: 'pausedAtStep'; params: { index: number; until: number | undefined } }
  | { type: 'pauseElapsed'; params: { index: number } }
  | { type: 'pausePromoted'; params: { index: number } }
  | { type: 'promotedFull'; params: { index: number } }
  | { type: 'rolloutCompleted'; params: { podHash: string } }
  | { type: 'rolloutAborted'; params: { index: number; cause: AbortCause; run?: RunVerdict } }
  | { type: 'analysisInconclusive'; params: { index: number; run: RunVerdict } }
  | { type: 'inconclusivePromoted'; params: { index: number; runs: RunVerdict[] } }
  | { type: 'rolloutRetried'; params: Record<string, never> }
  | { type: 'pausedByUser'; params: Record<string, never> }
  | { type: 'resumedByUser'; params: Record<string, never> };
export type CanaryEffectType = CanaryEffect['type'];

type EffectParams<T extends CanaryEffectType> = Extract<CanaryEffect, { type: T }>['params'];
/** The implementation of an effect in the machine: nothing, the caller interprets it. */
const report =
  <T extends CanaryEffectType>() =>
  (_args: unknown, _params: EffectParams<T>): void =>
    undefined;

type GuardArgs = { context: CanaryContext; event: CanaryObservation };

const currentStep = ({ context, event }: GuardArgs): StepObservation | undefined =>
  event.steps[context.stepIndex];
/** Steps whose verdict is a run: an analysis step's AnalysisRun, an experiment step's Experiment. */
const atGatedStep = (args: GuardArgs): boolean => {
  const kind = currentStep(args)?.kind;
  return kind === 'analysis' || kind === 'experiment';
};
/** The current step's AnalysisRun (or Experiment) of this attempt, if the step has one and it exists. */
const stepRun = (args: GuardArgs): RunVerdict | undefined => {
  const { context, event } = args;
  if (!atGatedStep(args) || context.currentPodHash === undefined) return undefined;
  const run = event.analysisRuns[stepRunId(context.currentPodHash, context.attempt, context.stepIndex)];
  return run && { kind: 'step', ...run };
};
/** The background AnalysisRun of this attempt, while background analysis runs and if it exists. */
const backgroundRun = ({ context, event }: GuardArgs): RunVerdict | undefined => {
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
/** For effect params behind a guard that saw the run (never the fallback in practice). */
const seen = (run: RunVerdict | undefined, kind: RunVerdict['kind']): RunVerdict =>
  run ?? { kind, name: '', phase: 'Pending' };
const inconclusiveRuns = (args: GuardArgs): RunVerdict[] =>
  [stepRun(args), backgroundRun(args)].filter((run): run is RunVerdict => verdictOf(run) === 'inconclusive');

const pauseEnd = (args: GuardArgs): number | undefined => {
  const pauseMs = currentStep(args)?.pauseMs;
  const { pauseStartedAt } = args.context;
  return pauseMs === undefined || pauseStartedAt === undefined ? undefined : pauseStartedAt + pauseMs;
};

const canarySetup = setup({
  types: {
    context: {} as CanaryContext,
    events: {} as CanaryObservation,
  },
  guards: {
    noStableYet: ({ context }) => context.stableRS === undefined,
    isNewVersion: ({ context, event }) => event.podHash !== context.currentPodHash,
    newVersionIsStable: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.podHash === context.stableRS,
    newVersionInRollbackWindow: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.inRollbackWindow,
    stepsChanged: ({ context, event }) => event.stepsHash !== context.stepsHash,
    abortRequested: ({ context }) => context.abort && context.abortedAt === undefined,
    retryRequested: ({ context }) => !context.abort,
    promoteFullRequested: ({ context }) => context.promoteFull,
    heldByUser: ({ event }) => event.userPaused,
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
    progressDeadlineAbort: ({ context, event }) =>
      event.progressDeadlineAbort && event.now - context.lastProgressAt >= event.progressDeadlineMs,
  },
  actions: {
    noteReplicaProgress: assign({
      lastProgressAt: ({ context, event }) => (event.replicaProgress ? event.now : context.lastProgressAt),
    }),
    adoptAsStable: assign(({ event }) => ({
      currentPodHash: event.podHash,
      stableRS: event.podHash,
      stepsHash: event.stepsHash,
      stepIndex: event.steps.length,
      lastProgressAt: event.now,
    })),
    recordNewVersion: assign(({ context, event }) => ({
      currentPodHash: event.podHash,
      stepsHash: event.stepsHash,
      stepIndex: 0,
      abort: false,
      abortedAt: undefined,
      promoteFull: false,
      pauseStartedAt: undefined,
      controllerPause: false,
      inconclusivePausedAt: undefined,
      analysisInconclusive: false,
      lastProgressAt: event.now,
      // Not reset: an earlier version can come back, and its old runs must not be reused.
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
    startPause: assign(({ event }) => ({ pauseStartedAt: event.now, controllerPause: true })),
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
    noteResume: assign({ lastProgressAt: ({ event }) => event.now }),

    versionDetected: report<'versionDetected'>(),
    stepsChanged: report<'stepsChanged'>(),
    stepStarted: report<'stepStarted'>(),
    stepCompleted: report<'stepCompleted'>(),
    pausedAtStep: report<'pausedAtStep'>(),
    pauseElapsed: report<'pauseElapsed'>(),
    pausePromoted: report<'pausePromoted'>(),
    promotedFull: report<'promotedFull'>(),
    rolloutCompleted: report<'rolloutCompleted'>(),
    rolloutAborted: report<'rolloutAborted'>(),
    analysisInconclusive: report<'analysisInconclusive'>(),
    inconclusivePromoted: report<'inconclusivePromoted'>(),
    rolloutRetried: report<'rolloutRetried'>(),
    pausedByUser: report<'pausedByUser'>(),
    resumedByUser: report<'resumedByUser'>(),
  },
});

type Transition = EventlessTransition<typeof canarySetup>;
type TransitionAction = EventlessTransitionAction<typeof canarySetup>;

export const canaryMachine = canarySetup.createMachine({
  id: 'canary',
  type: 'parallel',
  // A bug that made guards flip forever must fail the reconcile, not hang the controller.
  options: { maxIterations: 10_000 },
  context: {
    currentPodHash: undefined,
    stableRS: undefined,
    stepIndex: 0,
    stepsHash: undefined,
    pauseStartedAt: undefined,
    controllerPause: false,
    abort: false,
    abortedAt: undefined,
    promoteFull: false,
    lastProgressAt: 0,
    attempt: 0,
    inconclusivePausedAt: undefined,
    analysisInconclusive: false,
  },
  on: {
    OBSERVE: { actions: 'noteReplicaProgress' },
  },
  states: {
    // `hold` comes first so that, in a microstep where both regions move, its effects (paused,
    // resumed) are reported before the lifecycle's.
    hold: {
      initial: Hold.running,
      states: {
        [Hold.running]: {
          always: {
            guard: 'heldByUser',
            target: Hold.heldByUser,
            actions: { type: 'pausedByUser', params: {} },
          },
        },
        [Hold.heldByUser]: {
          always: {
            guard: not('heldByUser'),
            target: Hold.running,
            actions: ['noteResume', { type: 'resumedByUser', params: {} }],
          },
        },
      },
    },
    lifecycle: {
      initial: Lifecycle.healthy,
      states: {
        [Lifecycle.healthy]: {
          always: [
            {
              guard: 'noStableYet',
              target: Lifecycle.healthy,
              actions: [
                'adoptAsStable',
                {
                  type: 'versionDetected',
                  params: ({ event }) => ({ podHash: event.podHash, route: 'initial' }),
                },
              ],
            },
            ...onNewVersion(),
            { guard: 'stepsChanged', actions: 'recordStepsHash' },
          ],
        },
        [Lifecycle.progressing]: {
          always: [
            ...onNewVersion(),
            ...onAbortRestartOrPromoteFull(),
            onRunFailed('step'),
            onRunFailed('background'),
            onRunInconclusive('step'),
            onRunInconclusive('background'),
            // Not held back by spec.paused: it is bookkeeping (the hold keeps the pods as they are),
            // and status with the index past the last step reads back as completing.
            { guard: 'stepsDone', target: Lifecycle.completing },
            {
              guard: and([not('heldByUser'), 'atPauseStep']),
              target: Lifecycle.paused,
              actions: [
                'startPause',
                {
                  type: 'pausedAtStep',
                  params: (args) => ({ index: args.context.stepIndex, until: pauseEnd(args) }),
                },
              ],
            },
            {
              guard: and([not('heldByUser'), not('atStepLimit'), 'stepRunSucceeded', 'stepPodsReady']),
              target: Lifecycle.progressing,
              reenter: true,
              actions: completeStep(),
            },
            {
              guard: and([not('heldByUser'), not('atStepLimit'), 'stepDone']),
              target: Lifecycle.progressing,
              reenter: true,
              actions: completeStep(),
            },
            ...onProgressDeadlineAbort(),
          ],
        },
        [Lifecycle.paused]: {
          exit: 'clearPause',
          always: [
            ...onNewVersion(),
            ...onAbortRestartOrPromoteFull(),
            // A pause step has no run of its own (an analysis step reached by a bumped index is
            // judged in `progressing`), but background analysis goes on.
            onRunFailed('background'),
            onRunInconclusive('background'),
            // Status says paused but the index has moved off the pause step: a second `promote`
            // bumps currentStepIndex while controllerPause is still set. Carry on from there.
            { guard: 'notAtPauseStep', target: Lifecycle.progressing },
            {
              guard: and([not('heldByUser'), not('atStepLimit'), 'pauseReleased']),
              target: Lifecycle.progressing,
              actions: [
                { type: 'pausePromoted', params: ({ context }) => ({ index: context.stepIndex }) },
                ...completeStep(),
              ],
            },
            {
              guard: and([not('heldByUser'), not('atStepLimit'), 'pauseElapsed']),
              target: Lifecycle.progressing,
              actions: [
                { type: 'pauseElapsed', params: ({ context }) => ({ index: context.stepIndex }) },
                ...completeStep(),
              ],
            },
          ],
        },
        [Lifecycle.inconclusive]: {
          exit: 'clearInconclusivePause',
          always: [
            ...onNewVersion(),
            ...onAbortRestartOrPromoteFull(),
            onRunFailed('step'),
            onRunFailed('background'),
            // Promoted (pause condition cleared, controllerPause left): an Inconclusive step run
            // counts as passed, an Inconclusive background run is accepted (the next attempt
            // gets a new one), and a pause step it interrupted is promoted too, as one promote
            // clears every pause condition.
            {
              guard: and([
                not('heldByUser'),
                not('atStepLimit'),
                'inconclusiveReleased',
                'stepRunInconclusive',
                'backgroundRunInconclusive',
              ]),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), 'acceptBackground', ...completeStep()],
            },
            {
              guard: and([
                not('heldByUser'),
                not('atStepLimit'),
                'inconclusiveReleased',
                'stepRunInconclusive',
              ]),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), ...completeStep()],
            },
            {
              guard: and([
                not('heldByUser'),
                not('atStepLimit'),
                'inconclusiveReleased',
                'backgroundRunInconclusive',
                'atPauseStep',
              ]),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), 'acceptBackground', ...completeStep()],
            },
            {
              guard: and([
                not('heldByUser'),
                not('atStepLimit'),
                'inconclusiveReleased',
                'backgroundRunInconclusive',
              ]),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), 'acceptBackground'],
            },
            // Promoted, but the run is gone: look again (a recreated run decides afresh).
            // At a lockstep limit the promote waits whole: none of these moves until it lifts.
            {
              guard: and([not('heldByUser'), not('atStepLimit'), 'inconclusiveReleased']),
              target: Lifecycle.progressing,
              actions: 'noteResume',
            },
          ],
        },
        [Lifecycle.completing]: {
          always: [
            ...onNewVersion(),
            ...onAbortRequested(),
            {
              guard: and(['stepsChanged', not('promoteFullRequested')]),
              target: Lifecycle.progressing,
              actions: restartSteps(),
            },
            {
              // With a router: all traffic on the canary first, then it becomes stable.
              guard: and([not('heldByUser'), 'canaryFullyAvailable', 'routerAtFull']),
              target: Lifecycle.healthy,
              actions: [
                'promoteToStable',
                {
                  type: 'rolloutCompleted',
                  params: ({ context }) => ({ podHash: context.currentPodHash ?? '' }),
                },
              ],
            },
            ...onProgressDeadlineAbort(),
          ],
        },
        [Lifecycle.aborted]: {
          always: [
            ...onNewVersion(),
            {
              guard: 'retryRequested',
              target: Lifecycle.progressing,
              actions: [
                'clearAbort',
                { type: 'rolloutRetried', params: {} },
                { type: 'stepStarted', params: { index: 0 } },
              ],
            },
            { guard: 'stepsChanged', actions: 'recordStepsHash' },
          ],
        },
      },
    },
  },
});

/*
 * Transition lists shared by several lifecycle states. Order is priority: the first enabled
 * transition wins.
 */

/** A new pod template: back to stable, straight to full (rollback window), or the steps from 0. */
function onNewVersion(): Transition[] {
  return [
    {
      guard: 'newVersionIsStable',
      target: `#canary.lifecycle.${Lifecycle.healthy}`,
      actions: [
        'recordNewVersion',
        'skipRemainingSteps',
        { type: 'versionDetected', params: ({ event }) => ({ podHash: event.podHash, route: 'stable' }) },
      ],
    },
    {
      guard: 'newVersionInRollbackWindow',
      target: `#canary.lifecycle.${Lifecycle.completing}`,
      actions: [
        'recordNewVersion',
        'skipRemainingSteps',
        {
          type: 'versionDetected',
          params: ({ event }) => ({ podHash: event.podHash, route: 'rollbackWindow' }),
        },
      ],
    },
    {
      guard: 'isNewVersion',
      target: `#canary.lifecycle.${Lifecycle.progressing}`,
      reenter: true,
      actions: [
        'recordNewVersion',
        { type: 'versionDetected', params: ({ event }) => ({ podHash: event.podHash, route: 'steps' }) },
        { type: 'stepStarted', params: { index: 0 } },
      ],
    },
  ];
}

function onAbortRequested(): Transition[] {
  return [
    {
      guard: 'abortRequested',
      target: `#canary.lifecycle.${Lifecycle.aborted}`,
      actions: [
        {
          type: 'rolloutAborted',
          params: ({ context }) => ({ index: context.stepIndex, cause: 'operator' }),
        },
        'recordAbort',
      ],
    },
  ];
}

function onAbortRestartOrPromoteFull(): Transition[] {
  return [
    ...onAbortRequested(),
    {
      guard: 'stepsChanged',
      target: `#canary.lifecycle.${Lifecycle.progressing}`,
      reenter: true,
      actions: restartSteps(),
    },
    {
      guard: 'promoteFullRequested',
      target: `#canary.lifecycle.${Lifecycle.completing}`,
      actions: [
        { type: 'promotedFull', params: ({ context }) => ({ index: context.stepIndex }) },
        'skipRemainingSteps',
      ],
    },
  ];
}

const runOf = (kind: RunKind, args: GuardArgs): RunVerdict =>
  seen(kind === 'step' ? stepRun(args) : backgroundRun(args), kind);

/** A Failed or Error run aborts like status.abort (and sets it, so retry works the same way). */
function onRunFailed(kind: RunKind): Transition {
  return {
    guard: kind === 'step' ? 'stepRunFailed' : 'backgroundRunFailed',
    target: `#canary.lifecycle.${Lifecycle.aborted}`,
    actions: [
      {
        type: 'rolloutAborted',
        params: (args) => ({ index: args.context.stepIndex, cause: 'analysis', run: runOf(kind, args) }),
      },
      'recordAbort',
    ],
  };
}

/** An Inconclusive run pauses (even under spec.paused: it is a verdict, not a forward move). */
function onRunInconclusive(kind: RunKind): Transition {
  return {
    guard: kind === 'step' ? 'stepRunInconclusive' : 'backgroundRunInconclusive',
    target: `#canary.lifecycle.${Lifecycle.inconclusive}`,
    actions: [
      'startInconclusivePause',
      {
        type: 'analysisInconclusive',
        params: (args) => ({ index: args.context.stepIndex, run: runOf(kind, args) }),
      },
    ],
  };
}

function inconclusivePromoted(): TransitionAction {
  return {
    type: 'inconclusivePromoted',
    params: (args) => ({ index: args.context.stepIndex, runs: inconclusiveRuns(args) }),
  };
}

function onProgressDeadlineAbort(): Transition[] {
  return [
    {
      // Waiting for an analysis verdict is not a stall.
      guard: and([not('heldByUser'), not('atStepLimit'), not('atAnalysisStep'), 'progressDeadlineAbort']),
      target: `#canary.lifecycle.${Lifecycle.aborted}`,
      actions: [
        {
          type: 'rolloutAborted',
          params: ({ context }) => ({ index: context.stepIndex, cause: 'progressDeadline' }),
        },
        'recordAbort',
      ],
    },
  ];
}

function restartSteps(): TransitionAction[] {
  return [
    { type: 'stepsChanged', params: ({ event }) => ({ stepsHash: event.stepsHash }) },
    'restartSteps',
    { type: 'stepStarted', params: { index: 0 } },
  ];
}

/** Step `stepIndex` is done: report it, move on, and report the next one starting (if any). */
function completeStep(): TransitionAction[] {
  return [
    { type: 'stepCompleted', params: ({ context }) => ({ index: context.stepIndex }) },
    'advanceStep',
    {
      type: 'stepStarted',
      params: ({ context }) => ({ index: context.stepIndex }),
    },
  ];
}

export type CanaryMachine = typeof canaryMachine;

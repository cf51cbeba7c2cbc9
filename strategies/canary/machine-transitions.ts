import { and, not } from 'xstate';
import type { AbortCause } from '../kernel/abort-cause.ts';
import { seenRun, type RunKind, type RunVerdict } from '../kernel/analysis-runs.ts';
import {
  Lifecycle,
  backgroundRun,
  inconclusiveRuns,
  stepRun,
  type GuardArgs,
  type Transition,
  type TransitionAction,
} from './machine-setup.ts';

/**
 * The canary machine's transition lists shared by several lifecycle states. Order is priority: the first enabled
 * transition wins.
 */

/** One guard of a canary transition, and a guard named by the canary's `setup()`. */
type Guard = NonNullable<Extract<Transition, { guard?: unknown }>['guard']>;
type GuardName = Extract<Guard, string>;

/** A new pod template: back to stable, straight to full (rollback window), or the steps from 0. */
export function onNewVersion(): Transition[] {
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

/**
 * Abort when `guard` holds: report why (with the failed run of `run`) at the current step, and set
 * status.abort, so that retry works the same way whatever aborted.
 */
function abortOn(guard: Guard, cause: AbortCause, run?: RunKind): Transition {
  return {
    guard,
    target: `#canary.lifecycle.${Lifecycle.aborted}`,
    actions: [
      {
        type: 'rolloutAborted',
        params: (args) => ({
          index: args.context.stepIndex,
          cause,
          ...(run === undefined ? {} : { run: runOf(run, args) }),
        }),
      },
      'recordAbort',
    ],
  };
}

export function onAbortRequested(): Transition[] {
  return [abortOn('abortRequested', 'operator')];
}

export function onAbortRestartOrPromoteFull(): Transition[] {
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
  seenRun(kind === 'step' ? stepRun(args) : backgroundRun(args), kind);

/** A Failed or Error run aborts like status.abort (and sets it, so retry works the same way). */
export function onRunFailed(kind: RunKind): Transition {
  return abortOn(kind === 'step' ? 'stepRunFailed' : 'backgroundRunFailed', 'analysis', kind);
}

/** An Inconclusive run pauses (even under spec.paused: it is a verdict, not a forward move). */
export function onRunInconclusive(kind: RunKind): Transition {
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

export function inconclusivePromoted(): TransitionAction {
  return {
    type: 'inconclusivePromoted',
    params: (args) => ({ index: args.context.stepIndex, runs: inconclusiveRuns(args) }),
  };
}

export function onProgressDeadlineAbort(): Transition[] {
  // Waiting for an analysis verdict is not a stall.
  return [
    abortOn(
      and([not('heldByUser'), not('atStepLimit'), not('atAnalysisStep'), 'progressDeadlineAbort']),
      'progressDeadline',
    ),
  ];
}

export function restartSteps(): TransitionAction[] {
  return [
    { type: 'stepsChanged', params: ({ event }) => ({ stepsHash: event.stepsHash }) },
    'restartSteps',
    { type: 'stepStarted', params: { index: 0 } },
  ];
}

/** Step `stepIndex` is done: report it, move on, and report the next one starting (if any). */
export function completeStep(): TransitionAction[] {
  return [
    { type: 'stepCompleted', params: ({ context }) => ({ index: context.stepIndex }) },
    'advanceStep',
    {
      type: 'stepStarted',
      params: ({ context }) => ({ index: context.stepIndex }),
    },
  ];
}

/**
 * A forward move: not held by the user (spec.paused) nor at the lockstep limit (a RolloutGroup's
 * maxStepIndex), and `guards`.
 */
export function forward(...guards: GuardName[]): Guard {
  return and([not('heldByUser'), not('atStepLimit'), ...guards]);
}

/**
 * The A/B test lifecycle as an xstate v5 machine, used as a pure function like the canary and
 * blue-green machines: the caller rebuilds a snapshot from `status` (`ab-test-snapshot.ts`), sends
 * one `OBSERVE` event per reconcile and reads back the next snapshot and the actions (data naming
 * what happened, turned into Events by `ab-test-events.ts`).
 *
 * Only eventless (`always`) transitions whose guards compare the observation with the context, so
 * the same observation sent again changes nothing. No timers: a pause compares `event.now` with
 * its start time kept in status.
 *
 * `lifecycle`: healthy (A alone) -> testing (the steps: setSplit, pause, step analysis; then the
 * test runs at `split` until the comparison analysis has a verdict) -> one of
 *   promotingB (B scales to spec.replicas, takes all traffic, becomes stable) -> healthy,
 *   keptA (abort: all traffic to A, B scaled down; retry starts the test over),
 *   waiting (a human decides: promote = PromoteB, abort = KeepA);
 * and paused (a pause step). A verdict maps to a decision through `spec.strategy.abTest.decision`:
 * Successful -> onSuccess, Failed/Error -> onFailure, Inconclusive -> onInconclusive; a Successful
 * step analysis only completes its step. `hold` (spec.paused) blocks every forward move; a
 * verdict still decides.
 */
import { and, assign, not, setup } from 'xstate';
import {
  backgroundRunId,
  stepRunId,
  verdictOf,
  type ObservedRuns,
  type RunVerdict,
  type Verdict,
} from '../kernel/analysis-runs.ts';
import {
  Hold,
  type EventlessTransition,
  type EventlessTransitionAction,
  type LayeredStateValue,
} from '../kernel/machine.ts';
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

export const AbHold = Hold;
export type AbHold = Hold;

export type AbStateValue = LayeredStateValue<AbLifecycle>;

/** What status records (rebuilt from status each reconcile). Times are epoch ms. */
export interface AbContext {
  /** Variant B: the version of spec.template under test. */
  currentPodHash: string | undefined;
  /** Variant A: the stable version. */
  stableRS: string | undefined;
  stepIndex: number;
  /** Start of the AbTestPause pause condition (a pause step); undefined once cleared by a promote. */
  pauseStartedAt: number | undefined;
  /** Start of the AbTestDecision pause condition (decision Wait); undefined once cleared by a promote. */
  waitStartedAt: number | undefined;
  controllerPause: boolean;
  abort: boolean;
  abortedAt: number | undefined;
  /** status.promoteFull (`bellwether promote --full`): choose B now. */
  promoteFull: boolean;
  decision: AbDecisionValue | undefined;
  attempt: number;
}

/** Nothing of a test in flight: what a new version starts from. */
const NOTHING_IN_FLIGHT = {
  stepIndex: 0,
  pauseStartedAt: undefined,
  waitStartedAt: undefined,
  controllerPause: false,
  abort: false,
  abortedAt: undefined,
  promoteFull: false,
  decision: undefined,
} as const satisfies Partial<AbContext>;

/** A Rollout with an empty status. */
export const AB_INITIAL_CONTEXT: AbContext = {
  currentPodHash: undefined,
  stableRS: undefined,
  ...NOTHING_IN_FLIGHT,
  attempt: 0,
};

/** The one event per reconcile. */
export interface AbObservation {
  type: 'OBSERVE';
  now: number;
  podHash: string;
  userPaused: boolean;
  replicas: number;
  steps: readonly AbStep[];
  /** The comparison (background) analysis is configured, from this step on. */
  comparisonFrom: number | undefined;
  rules: AbDecisionRules;
  /** Available pods by ReplicaSet hash. */
  available: Readonly<Record<string, number>>;
  analysisRuns: ObservedRuns;
}

export type DecisionCause = 'comparison' | 'stepAnalysis' | 'noComparison' | 'operator';

/** The custom actions the machine returns, one per thing that happened. They run nothing. */
export type AbEffect =
  | { type: 'testStarted'; params: { a: string; b: string } }
  | { type: 'stepCompleted'; params: { index: number } }
  | { type: 'pausedAtStep'; params: { index: number; until: number | undefined } }
  | { type: 'decided'; params: { decision: AbDecisionValue; cause: DecisionCause; run?: RunVerdict } }
  | { type: 'rolloutCompleted'; params: { podHash: string } }
  | { type: 'rolloutRetried'; params: Record<string, never> }
  | { type: 'pausedByUser'; params: Record<string, never> }
  | { type: 'resumedByUser'; params: Record<string, never> };
export type AbEffectType = AbEffect['type'];

type EffectParams<T extends AbEffectType> = Extract<AbEffect, { type: T }>['params'];
const report =
  <T extends AbEffectType>() =>
  (_args: unknown, _params: EffectParams<T>): void =>
    undefined;

type GuardArgs = { context: AbContext; event: AbObservation };

const availableOf = (event: AbObservation, hash: string | undefined): number =>
  hash === undefined ? 0 : (event.available[hash] ?? 0);
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

const abSetup = setup({
  types: { context: {} as AbContext, events: {} as AbObservation },
  guards: {
    // Only on an observation: the machine's initial snapshot (xstate.init, no podHash) must not loop.
    noStableYet: ({ context, event }) => context.stableRS === undefined && typeof event.podHash === 'string',
    isNewVersion: ({ context, event }) => event.podHash !== context.currentPodHash,
    newVersionIsStable: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.podHash === context.stableRS,
    heldByUser: ({ event }) => event.userPaused,
    abortRequested: ({ context }) => context.abort && context.abortedAt === undefined,
    retryRequested: ({ context }) => !context.abort,
    promoteFullRequested: ({ context }) => context.promoteFull,
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
    adoptAsStable: assign(({ event }) => ({ currentPodHash: event.podHash, stableRS: event.podHash })),
    recordNewVersion: assign(({ context, event }) => ({
      currentPodHash: event.podHash,
      ...NOTHING_IN_FLIGHT,
      attempt: context.attempt + 1,
    })),
    nextStep: assign({ stepIndex: ({ context }) => context.stepIndex + 1 }),
    startPause: assign(({ event }) => ({ pauseStartedAt: event.now, controllerPause: true })),
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

    testStarted: report<'testStarted'>(),
    stepCompleted: report<'stepCompleted'>(),
    pausedAtStep: report<'pausedAtStep'>(),
    decided: report<'decided'>(),
    rolloutCompleted: report<'rolloutCompleted'>(),
    rolloutRetried: report<'rolloutRetried'>(),
    pausedByUser: report<'pausedByUser'>(),
    resumedByUser: report<'resumedByUser'>(),
  },
});

type Transition = EventlessTransition<typeof abSetup>;
type TransitionAction = EventlessTransitionAction<typeof abSetup>;

const L = AbLifecycle;
const at = (lifecycle: AbLifecycle) => `#abTest.lifecycle.${lifecycle}`;

export const abTestMachine = abSetup.createMachine({
  id: 'abTest',
  type: 'parallel',
  // A bug that made guards flip forever must fail the reconcile, not hang the controller.
  options: { maxIterations: 10_000 },
  context: AB_INITIAL_CONTEXT,
  states: {
    // `hold` first: in a microstep where both regions move, a resume is reported before the move.
    hold: {
      initial: AbHold.running,
      states: {
        [AbHold.running]: {
          always: {
            guard: 'heldByUser',
            target: AbHold.heldByUser,
            actions: { type: 'pausedByUser', params: {} },
          },
        },
        [AbHold.heldByUser]: {
          always: {
            guard: not('heldByUser'),
            target: AbHold.running,
            actions: { type: 'resumedByUser', params: {} },
          },
        },
      },
    },
    lifecycle: {
      initial: L.healthy,
      states: {
        [L.healthy]: {
          // Here the current version is the stable one: any other is a new B.
          always: [{ guard: 'noStableYet', actions: 'adoptAsStable' }, ...onNewVersion().slice(1)],
        },
        [L.testing]: {
          always: [
            ...onNewVersion(),
            onAbortRequested(),
            onPromoteFull(),
            ...onVerdict(),
            {
              guard: and([not('heldByUser'), 'stepsDone', 'noComparison']),
              target: L.waiting,
              actions: ['startWait', decided('Wait', 'noComparison')],
            },
            {
              guard: and([not('heldByUser'), 'splitReady']),
              actions: [completeStep(), 'nextStep'],
            },
            {
              guard: and([not('heldByUser'), 'stepAnalysisPassed']),
              actions: [completeStep(), 'nextStep'],
            },
            {
              guard: and([not('heldByUser'), 'atPauseStep']),
              target: L.paused,
              actions: [
                'startPause',
                {
                  type: 'pausedAtStep',
                  params: ({ context, event }) => {
                    const step = event.steps[context.stepIndex];
                    const ms = step?.kind === 'pause' ? step.ms : undefined;
                    return { index: context.stepIndex, until: ms === undefined ? undefined : event.now + ms };
                  },
                },
              ],
            },
          ],
        },
        [L.paused]: {
          exit: 'clearPauses',
          always: [
            ...onNewVersion(),
            onAbortRequested(),
            onPromoteFull(),
            ...onVerdict(),
            {
              guard: and([not('heldByUser'), 'pauseOver']),
              target: L.testing,
              actions: [completeStep(), 'nextStep'],
            },
          ],
        },
        [L.waiting]: {
          exit: 'clearPauses',
          always: [
            ...onNewVersion(),
            {
              guard: 'abortRequested',
              target: L.keptA,
              actions: ['chooseKeepA', decided('KeepA', 'operator')],
            },
            onPromoteFull(),
            {
              guard: and([not('heldByUser'), 'waitReleased']),
              target: L.promotingB,
              actions: ['choosePromoteB', decided('PromoteB', 'operator')],
            },
          ],
        },
        [L.promotingB]: {
          always: [
            ...onNewVersion(),
            onAbortRequested(),
            {
              guard: and([not('heldByUser'), 'bFullyAvailable']),
              target: L.healthy,
              actions: [
                'promoteToStable',
                {
                  type: 'rolloutCompleted',
                  params: ({ context }) => ({ podHash: context.currentPodHash ?? '' }),
                },
              ],
            },
          ],
        },
        [L.keptA]: {
          always: [
            ...onNewVersion(),
            {
              guard: 'retryRequested',
              target: L.testing,
              actions: ['clearAbort', { type: 'rolloutRetried', params: {} }],
            },
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

/** A new pod template: back to A (the stable version) ends the test, anything else starts one. */
function onNewVersion(): Transition[] {
  return [
    { guard: 'newVersionIsStable', target: at(L.healthy), actions: 'recordNewVersion' },
    {
      guard: 'isNewVersion',
      target: at(L.testing),
      reenter: true,
      actions: [
        'recordNewVersion',
        {
          type: 'testStarted',
          params: ({ context }) => ({ a: context.stableRS ?? '', b: context.currentPodHash ?? '' }),
        },
      ],
    },
  ];
}

/** `status.abort` by an operator: keep A. */
function onAbortRequested(): Transition {
  return {
    guard: 'abortRequested',
    target: at(L.keptA),
    actions: ['chooseKeepA', decided('KeepA', 'operator')],
  };
}

/** An analysis verdict decides, per `decision` (even under spec.paused: the evidence is in). */
function onVerdict(): Transition[] {
  const byVerdict = (decision: AbDecisionValue): TransitionAction => ({
    type: 'decided',
    params: (args) => {
      const found = verdictDecision(args);
      return found ? { decision, cause: found.cause, run: found.run } : { decision, cause: 'comparison' };
    },
  });
  return [
    {
      guard: { type: 'decides', params: { decision: 'KeepA' } },
      target: at(L.keptA),
      actions: ['chooseKeepA', byVerdict('KeepA')],
    },
    {
      guard: { type: 'decides', params: { decision: 'Wait' } },
      target: at(L.waiting),
      actions: ['startWait', byVerdict('Wait')],
    },
    {
      guard: { type: 'decides', params: { decision: 'PromoteB' } },
      target: at(L.promotingB),
      actions: ['choosePromoteB', byVerdict('PromoteB')],
    },
  ];
}

/** `promote --full` by an operator: B now, whatever the steps and analyses say. */
function onPromoteFull(): Transition {
  return {
    guard: 'promoteFullRequested',
    target: at(L.promotingB),
    actions: ['choosePromoteB', decided('PromoteB', 'operator')],
  };
}

function decided(decision: AbDecisionValue, cause: DecisionCause): TransitionAction {
  return { type: 'decided', params: { decision, cause } };
}

function completeStep(): TransitionAction {
  return { type: 'stepCompleted', params: ({ context }) => ({ index: context.stepIndex }) };
}

export type AbTestMachine = typeof abTestMachine;

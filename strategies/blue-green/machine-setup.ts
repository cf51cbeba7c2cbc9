/**
 * The blue-green machine's vocabulary: its lifecycle states, what its context records, what one
 * reconcile observes, and the guards and actions (`setup()`) its transitions name. The kernel's
 * guards and actions and the blue-green effects (`events.ts`) are spread in. Pure.
 */
import { assign, setup } from 'xstate';
import {
  postPromotionRunId,
  prePromotionRunId,
  verdictOf,
  type ObservedRuns,
  type RunVerdict,
} from '../kernel/analysis-runs.ts';
import {
  INITIAL_KERNEL_CONTEXT,
  NOTHING_IN_FLIGHT,
  availableOf,
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
import { blueGreenEffects } from './events.ts';
import type { AutoPromotion } from './settings.ts';

export const BlueGreenLifecycle = {
  /** stable == current: nothing in flight (also the first deploy, scaling up). */
  healthy: 'healthy',
  /** The new version scales to previewReplicaCount behind the preview Service; then pre-promotion analysis. */
  preview: 'preview',
  /** Waiting to be promoted (BlueGreenPause, or InconclusiveAnalysisRun from the pre-promotion run). */
  paused: 'paused',
  /** Promotion granted (scaleUpPreviewCheckPoint): the new version goes to spec.replicas, then the switch. */
  promoting: 'promoting',
  /** The active Service selects the new version; the post-promotion analysis judges it. */
  postPromotion: 'postPromotion',
  /** The post-promotion run was Inconclusive: until promoted (accepted) or aborted (switched back). */
  postPromotionPaused: 'postPromotionPaused',
  /** status.abort: the active Service is on the stable version until retried or a new version arrives. */
  aborted: 'aborted',
} as const;
export type BlueGreenLifecycle = (typeof BlueGreenLifecycle)[keyof typeof BlueGreenLifecycle];

export type BlueGreenStateValue = LayeredStateValue<BlueGreenLifecycle>;

/** What status records (rebuilt from status each reconcile). Times are epoch ms. */
export interface BlueGreenContext extends KernelContext, ProgressContext {
  /** status.blueGreen.activeSelector: the version the active Service selects; undefined = not set yet. */
  activeHash: string | undefined;
  /** Start of the InconclusiveAnalysisRun pause condition; undefined once an operator cleared it. */
  inconclusivePausedAt: number | undefined;
  /** status.blueGreen.scaleUpPreviewCheckPoint: promotion granted. */
  promoting: boolean;
}

/** No pause, promotion, abort or promote --full in progress: what a new version starts from. */
const NO_PROMOTION_IN_FLIGHT = {
  ...NOTHING_IN_FLIGHT,
  inconclusivePausedAt: undefined,
  promoting: false,
} as const satisfies Partial<BlueGreenContext>;

/** A Rollout with an empty status. */
export const INITIAL_CONTEXT: BlueGreenContext = {
  ...INITIAL_KERNEL_CONTEXT,
  ...NO_PROMOTION_IN_FLIGHT,
  activeHash: undefined,
  lastProgressAt: 0,
};

/** The one event per reconcile. */
export interface BlueGreenObservation extends ProgressObservation {
  type: 'OBSERVE';
  replicas: number;
  previewReplicas: number;
  /** Available pods by ReplicaSet hash. */
  available: Readonly<Record<string, number>>;
  autoPromotion: AutoPromotion;
  /** prePromotionAnalysis / postPromotionAnalysis are configured. */
  prePromotion: boolean;
  postPromotion: boolean;
  analysisRuns: ObservedRuns;
}

export type GuardArgs = { context: BlueGreenContext; event: BlueGreenObservation };

const fullyAvailable = (event: BlueGreenObservation, hash: string | undefined): boolean =>
  hash !== undefined && availableOf(event, hash) >= event.replicas;

/** The pre- or post-promotion run of this version and attempt, if it exists. */
export function promotionRun(
  kind: 'prePromotion' | 'postPromotion',
  context: Pick<BlueGreenContext, 'currentPodHash' | 'attempt'>,
  runs: ObservedRuns,
): RunVerdict | undefined {
  if (context.currentPodHash === undefined) return undefined;
  const id =
    kind === 'prePromotion'
      ? prePromotionRunId(context.currentPodHash, context.attempt)
      : postPromotionRunId(context.currentPodHash, context.attempt);
  const run = runs[id];
  return run && { kind, ...run };
}
export const preRun = ({ context, event }: GuardArgs) =>
  promotionRun('prePromotion', context, event.analysisRuns);
export const postRun = ({ context, event }: GuardArgs) =>
  promotionRun('postPromotion', context, event.analysisRuns);

export const blueGreenSetup = setup({
  types: {
    context: {} as BlueGreenContext,
    events: {} as BlueGreenObservation,
  },
  guards: {
    ...kernelGuards,
    ...progressGuards,
    newVersionIsActive: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.podHash === context.activeHash,
    activeNotStable: ({ context }) => context.activeHash !== context.stableRS,
    stableFullyAvailable: ({ context, event }) => fullyAvailable(event, context.stableRS),
    newFullyAvailable: ({ context, event }) => fullyAvailable(event, context.currentPodHash),
    previewReady: ({ context, event }) => availableOf(event, context.currentPodHash) >= event.previewReplicas,
    preAnalysisPassed: (args) => !args.event.prePromotion || verdictOf(preRun(args)) === 'successful',
    waitingForPreAnalysis: (args) =>
      args.event.prePromotion &&
      availableOf(args.event, args.context.currentPodHash) >= args.event.previewReplicas,
    preRunFailed: (args) => args.event.prePromotion && verdictOf(preRun(args)) === 'failed',
    preRunInconclusive: (args) => args.event.prePromotion && verdictOf(preRun(args)) === 'inconclusive',
    pauseBeforePromotion: ({ event }) => event.autoPromotion.kind !== 'immediate',
    pauseReleased: ({ context }) =>
      context.controllerPause &&
      context.pauseStartedAt === undefined &&
      context.inconclusivePausedAt === undefined,
    autoPromotionDue: ({ context, event }) =>
      event.autoPromotion.kind === 'timed' &&
      context.pauseStartedAt !== undefined &&
      event.now >= context.pauseStartedAt + event.autoPromotion.ms,
    postAnalysisWanted: ({ context, event }) => event.postPromotion && !context.promoteFull,
    postRunSucceeded: (args) => verdictOf(postRun(args)) === 'successful',
    postRunFailed: (args) => verdictOf(postRun(args)) === 'failed',
    postRunInconclusive: (args) => verdictOf(postRun(args)) === 'inconclusive',
  },
  actions: {
    ...kernelActions<BlueGreenContext, BlueGreenObservation>(),
    ...progressActions<BlueGreenContext, BlueGreenObservation>(),
    adoptAsStable: assign(({ event }) => ({
      currentPodHash: event.podHash,
      stableRS: event.podHash,
      lastProgressAt: event.now,
    })),
    recordNewVersion: assign(({ context, event }) => ({
      ...NO_PROMOTION_IN_FLIGHT,
      currentPodHash: event.podHash,
      lastProgressAt: event.now,
      attempt: context.attempt + 1,
    })),
    switchToStable: assign({ activeHash: ({ context }) => context.stableRS }),
    switchToNew: assign({ activeHash: ({ context }) => context.currentPodHash }),
    startInconclusivePause: assign(({ event }) => ({
      inconclusivePausedAt: event.now,
      controllerPause: true,
    })),
    clearPause: assign({
      pauseStartedAt: undefined,
      inconclusivePausedAt: undefined,
      controllerPause: false,
    }),
    startPromotion: assign(({ event }) => ({ promoting: true, lastProgressAt: event.now })),
    promoteToStable: assign(({ context, event }) => ({
      stableRS: context.currentPodHash,
      promoting: false,
      promoteFull: false,
      lastProgressAt: event.now,
    })),
    recordAbort: assign(({ event }) => ({ abort: true, abortedAt: event.now, promoting: false })),
    clearAbort: assign(({ context, event }) => ({
      abortedAt: undefined,
      lastProgressAt: event.now,
      attempt: context.attempt + 1,
    })),

    ...blueGreenEffects,
  },
});

export type Transition = EventlessTransition<typeof blueGreenSetup>;
export type TransitionAction = EventlessTransitionAction<typeof blueGreenSetup>;

/**
 * The blue-green lifecycle as an xstate v5 machine, used as a pure function exactly like the
 * canary machine: the caller rebuilds a snapshot from `status` (`snapshot.ts`), sends
 * one `OBSERVE` event per reconcile and reads back the next snapshot and the actions (data naming
 * what happened, turned into Kubernetes Events by `events.ts`).
 *
 * Only eventless (`always`) transitions whose guards compare the observation with the context
 * (levels, not edges), so sending the same observation again changes nothing. No timers: the
 * auto-promotion pause compares `event.now` with its start time kept in status.
 *
 * `lifecycle`: healthy -> preview (new version scaled to previewReplicaCount, then its
 * pre-promotion analysis) -> paused (autoPromotionEnabled false / autoPromotionSeconds, or an
 * Inconclusive pre-promotion run) -> promoting (new version to spec.replicas) -> the active
 * Service switches -> postPromotion (post-promotion analysis; postPromotionPaused when
 * Inconclusive) -> healthy; and aborted. `hold`: spec.paused blocks every forward move.
 *
 * The active Service (context.activeHash) only ever moves to a version whose pods are all
 * available (spec.replicas of them), except back to the stable version on an abort: that one was
 * kept at full size the whole time, and serving it beats serving the version that failed.
 */
import { and, assign, not, setup } from 'xstate';
import type { AbortCause } from '../kernel/abort-cause.ts';
import {
  postPromotionRunId,
  prePromotionRunId,
  verdictOf,
  type ObservedRuns,
  type RunVerdict,
} from '../kernel/analysis-runs.ts';
import {
  Hold,
  type EventlessTransition,
  type EventlessTransitionAction,
  type LayeredStateValue,
} from '../kernel/machine.ts';
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

export const BlueGreenHold = Hold;
export type BlueGreenHold = Hold;

export type BlueGreenStateValue = LayeredStateValue<BlueGreenLifecycle>;

/** What status records (rebuilt from status each reconcile). Times are epoch ms. */
export interface BlueGreenContext {
  currentPodHash: string | undefined;
  stableRS: string | undefined;
  /** status.blueGreen.activeSelector: the version the active Service selects; undefined = not set yet. */
  activeHash: string | undefined;
  /** Start of the BlueGreenPause pause condition; undefined once an operator cleared it. */
  pauseStartedAt: number | undefined;
  /** Start of the InconclusiveAnalysisRun pause condition; undefined once an operator cleared it. */
  inconclusivePausedAt: number | undefined;
  controllerPause: boolean;
  /** status.blueGreen.scaleUpPreviewCheckPoint: promotion granted. */
  promoting: boolean;
  abort: boolean;
  abortedAt: number | undefined;
  promoteFull: boolean;
  /** Last progress (Progressing condition lastUpdateTime), for the progress deadline. */
  lastProgressAt: number;
  /** status.blueGreen.attempt: part of the AnalysisRun ids, bumped for each new version and retry. */
  attempt: number;
}

/** No pause, promotion, abort or promote --full in progress: what a new version starts from. */
const NOTHING_IN_FLIGHT = {
  pauseStartedAt: undefined,
  inconclusivePausedAt: undefined,
  controllerPause: false,
  promoting: false,
  abort: false,
  abortedAt: undefined,
  promoteFull: false,
} as const satisfies Partial<BlueGreenContext>;

/** A Rollout with an empty status. */
export const INITIAL_CONTEXT: BlueGreenContext = {
  ...NOTHING_IN_FLIGHT,
  currentPodHash: undefined,
  stableRS: undefined,
  activeHash: undefined,
  lastProgressAt: 0,
  attempt: 0,
};

/** The one event per reconcile. */
export interface BlueGreenObservation {
  type: 'OBSERVE';
  now: number;
  podHash: string;
  /** spec.paused */
  userPaused: boolean;
  replicas: number;
  previewReplicas: number;
  /** Available pods by ReplicaSet hash. */
  available: Readonly<Record<string, number>>;
  autoPromotion: AutoPromotion;
  /** prePromotionAnalysis / postPromotionAnalysis are configured. */
  prePromotion: boolean;
  postPromotion: boolean;
  replicaProgress: boolean;
  progressDeadlineMs: number;
  progressDeadlineAbort: boolean;
  analysisRuns: ObservedRuns;
}

export type VersionRoute = 'initial' | 'stable' | 'active' | 'preview';
export type SwitchReason = 'initial' | 'promotion' | 'back';

/** The custom actions the machine returns, one per thing that happened. They run nothing. */
export type BlueGreenEffect =
  | { type: 'versionDetected'; params: { podHash: string; route: VersionRoute } }
  | { type: 'activeSwitched'; params: { from: string | undefined; to: string; why: SwitchReason } }
  | { type: 'pausedForPromotion'; params: { until: number | undefined } }
  | { type: 'pausePromoted'; params: { run?: RunVerdict } }
  | { type: 'autoPromoted'; params: Record<string, never> }
  | { type: 'promotedFull'; params: Record<string, never> }
  | { type: 'rolloutCompleted'; params: { podHash: string } }
  | { type: 'rolloutAborted'; params: { cause: AbortCause; run?: RunVerdict } }
  | { type: 'analysisInconclusive'; params: { run: RunVerdict } }
  | { type: 'rolloutRetried'; params: Record<string, never> }
  | { type: 'pausedByUser'; params: Record<string, never> }
  | { type: 'resumedByUser'; params: Record<string, never> };
export type BlueGreenEffectType = BlueGreenEffect['type'];

type EffectParams<T extends BlueGreenEffectType> = Extract<BlueGreenEffect, { type: T }>['params'];
const report =
  <T extends BlueGreenEffectType>() =>
  (_args: unknown, _params: EffectParams<T>): void =>
    undefined;

type GuardArgs = { context: BlueGreenContext; event: BlueGreenObservation };

const availableOf = (event: BlueGreenObservation, hash: string | undefined): number =>
  hash === undefined ? 0 : (event.available[hash] ?? 0);
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
const preRun = ({ context, event }: GuardArgs) => promotionRun('prePromotion', context, event.analysisRuns);
const postRun = ({ context, event }: GuardArgs) => promotionRun('postPromotion', context, event.analysisRuns);
/** For effect params behind a guard that saw the run (never the fallback in practice). */
const seen = (run: RunVerdict | undefined, kind: RunVerdict['kind']): RunVerdict =>
  run ?? { kind, name: '', phase: 'Pending' };

/**
 * xstate runs the initial state with its own init event whenever it builds an actor (`transition()`
 * does, each call): that event observes nothing, and adopting "nothing" as stable would loop.
 */
const isObservation = (event: { type: string }): boolean => event.type === 'OBSERVE';

const blueGreenSetup = setup({
  types: {
    context: {} as BlueGreenContext,
    events: {} as BlueGreenObservation,
  },
  guards: {
    noStableYet: ({ context, event }) => isObservation(event) && context.stableRS === undefined,
    isNewVersion: ({ context, event }) => event.podHash !== context.currentPodHash,
    newVersionIsStable: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.podHash === context.stableRS,
    newVersionIsActive: ({ context, event }) =>
      event.podHash !== context.currentPodHash && event.podHash === context.activeHash,
    heldByUser: ({ event }) => event.userPaused,
    abortRequested: ({ context }) => context.abort && context.abortedAt === undefined,
    retryRequested: ({ context }) => !context.abort,
    promoteFullRequested: ({ context }) => context.promoteFull,
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
      lastProgressAt: event.now,
    })),
    recordNewVersion: assign(({ context, event }) => ({
      ...NOTHING_IN_FLIGHT,
      currentPodHash: event.podHash,
      lastProgressAt: event.now,
      attempt: context.attempt + 1,
    })),
    switchToStable: assign({ activeHash: ({ context }) => context.stableRS }),
    switchToNew: assign({ activeHash: ({ context }) => context.currentPodHash }),
    startPause: assign(({ event }) => ({ pauseStartedAt: event.now, controllerPause: true })),
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
    noteResume: assign({ lastProgressAt: ({ event }) => event.now }),

    versionDetected: report<'versionDetected'>(),
    activeSwitched: report<'activeSwitched'>(),
    pausedForPromotion: report<'pausedForPromotion'>(),
    pausePromoted: report<'pausePromoted'>(),
    autoPromoted: report<'autoPromoted'>(),
    promotedFull: report<'promotedFull'>(),
    rolloutCompleted: report<'rolloutCompleted'>(),
    rolloutAborted: report<'rolloutAborted'>(),
    analysisInconclusive: report<'analysisInconclusive'>(),
    rolloutRetried: report<'rolloutRetried'>(),
    pausedByUser: report<'pausedByUser'>(),
    resumedByUser: report<'resumedByUser'>(),
  },
});

type Transition = EventlessTransition<typeof blueGreenSetup>;
type TransitionAction = EventlessTransitionAction<typeof blueGreenSetup>;

const L = BlueGreenLifecycle;
const at = (lifecycle: BlueGreenLifecycle) => `#blueGreen.lifecycle.${lifecycle}`;

export const blueGreenMachine = blueGreenSetup.createMachine({
  id: 'blueGreen',
  type: 'parallel',
  // A bug that made guards flip forever must fail the reconcile, not hang the controller.
  options: { maxIterations: 10_000 },
  context: INITIAL_CONTEXT,
  on: { OBSERVE: { actions: 'noteReplicaProgress' } },
  states: {
    // `hold` first: in a microstep where both regions move, a resume is reported before the move.
    hold: {
      initial: BlueGreenHold.running,
      states: {
        [BlueGreenHold.running]: {
          always: {
            guard: 'heldByUser',
            target: BlueGreenHold.heldByUser,
            actions: { type: 'pausedByUser', params: {} },
          },
        },
        [BlueGreenHold.heldByUser]: {
          always: {
            guard: not('heldByUser'),
            target: BlueGreenHold.running,
            actions: ['noteResume', { type: 'resumedByUser', params: {} }],
          },
        },
      },
    },
    lifecycle: {
      initial: L.healthy,
      states: {
        [L.healthy]: {
          always: [
            {
              guard: 'noStableYet',
              target: L.healthy,
              actions: [
                'adoptAsStable',
                {
                  type: 'versionDetected',
                  params: ({ event }) => ({ podHash: event.podHash, route: 'initial' }),
                },
              ],
            },
            ...onNewVersion(),
            // The first version (or the stable one after a rollback) takes the active Service once
            // all its pods are available.
            {
              guard: and(['activeNotStable', 'stableFullyAvailable']),
              actions: switchActive('stable', 'initial'),
            },
          ],
        },
        [L.preview]: {
          always: [
            ...onNewVersion(),
            onAbortRequested(),
            restoreActive(),
            { guard: 'promoteFullRequested', target: L.promoting, actions: promotedFull() },
            onRunFailed('prePromotion'),
            {
              guard: 'preRunInconclusive',
              target: L.paused,
              actions: ['startInconclusivePause', inconclusive('prePromotion')],
            },
            {
              guard: and([not('heldByUser'), 'previewReady', 'preAnalysisPassed', 'pauseBeforePromotion']),
              target: L.paused,
              actions: [
                'startPause',
                {
                  type: 'pausedForPromotion',
                  params: ({ event }) => ({
                    until:
                      event.autoPromotion.kind === 'timed' ? event.now + event.autoPromotion.ms : undefined,
                  }),
                },
              ],
            },
            {
              guard: and([not('heldByUser'), 'previewReady', 'preAnalysisPassed']),
              target: L.promoting,
              actions: 'startPromotion',
            },
            // Waiting for an analysis verdict is not a stall.
            onProgressDeadlineAbort(true),
          ],
        },
        [L.paused]: {
          exit: 'clearPause',
          always: [
            ...onNewVersion(),
            onAbortRequested(),
            restoreActive(),
            { guard: 'promoteFullRequested', target: L.promoting, actions: promotedFull() },
            {
              guard: and([not('heldByUser'), 'pauseReleased']),
              target: L.promoting,
              actions: [
                { type: 'pausePromoted', params: (args) => promotedPast(preRun(args)) },
                'startPromotion',
              ],
            },
            {
              guard: and([not('heldByUser'), 'autoPromotionDue']),
              target: L.promoting,
              actions: [{ type: 'autoPromoted', params: {} }, 'startPromotion'],
            },
          ],
        },
        [L.promoting]: {
          always: [
            ...onNewVersion(),
            onAbortRequested(),
            restoreActive(),
            {
              guard: and([not('heldByUser'), 'newFullyAvailable', 'postAnalysisWanted']),
              target: L.postPromotion,
              actions: switchActive('new', 'promotion'),
            },
            {
              guard: and([not('heldByUser'), 'newFullyAvailable']),
              target: L.healthy,
              actions: [...switchActive('new', 'promotion'), ...complete()],
            },
            onProgressDeadlineAbort(false),
          ],
        },
        [L.postPromotion]: {
          always: [
            ...onNewVersion(false),
            onAbortRequested(),
            { guard: 'promoteFullRequested', target: L.healthy, actions: [...promotedFull(), ...complete()] },
            onRunFailed('postPromotion'),
            {
              guard: 'postRunInconclusive',
              target: L.postPromotionPaused,
              actions: ['startInconclusivePause', inconclusive('postPromotion')],
            },
            { guard: and([not('heldByUser'), 'postRunSucceeded']), target: L.healthy, actions: complete() },
          ],
        },
        [L.postPromotionPaused]: {
          exit: 'clearPause',
          always: [
            ...onNewVersion(false),
            onAbortRequested(),
            { guard: 'promoteFullRequested', target: L.healthy, actions: [...promotedFull(), ...complete()] },
            {
              guard: and([not('heldByUser'), 'pauseReleased']),
              target: L.healthy,
              actions: [
                { type: 'pausePromoted', params: (args) => promotedPast(postRun(args)) },
                ...complete(),
              ],
            },
          ],
        },
        [L.aborted]: {
          always: [
            // Back to the stable version at once: it kept all its pods (see the header).
            { guard: 'activeNotStable', actions: switchActive('stable', 'back') },
            ...onNewVersion(false),
            {
              guard: 'retryRequested',
              target: L.preview,
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

/**
 * A new pod template: back to the stable version, on to the active one, or a new preview. The
 * active one can only differ from both where the active Service may be left on a version that
 * was cut short (not after a promotion nor an abort, which move it): `toActive` false there.
 */
function onNewVersion(toActive = true): Transition[] {
  const detected = (route: VersionRoute): TransitionAction => ({
    type: 'versionDetected',
    params: ({ event }) => ({ podHash: event.podHash, route }),
  });
  return [
    {
      guard: 'newVersionIsStable',
      target: at(L.healthy),
      actions: ['recordNewVersion', detected('stable')],
    },
    ...(toActive
      ? [
          {
            // The version the active Service already selects (its post-promotion analysis was cut
            // short): it is judged again after the promotion, with a new attempt.
            guard: 'newVersionIsActive',
            target: at(L.postPromotion),
            actions: ['recordNewVersion', detected('active')],
          } satisfies Transition,
        ]
      : []),
    {
      guard: 'isNewVersion',
      target: at(L.preview),
      reenter: true,
      actions: ['recordNewVersion', detected('preview')],
    },
  ];
}

function onAbortRequested(): Transition {
  return {
    guard: 'abortRequested',
    target: at(L.aborted),
    actions: [{ type: 'rolloutAborted', params: { cause: 'operator' } }, 'recordAbort'],
  };
}

/**
 * The active Service still selects a version that is neither stable nor promoted (a new version
 * arrived during the post-promotion analysis): back to the stable one, once all its pods are available.
 */
function restoreActive(): Transition {
  return { guard: and(['activeNotStable', 'stableFullyAvailable']), actions: switchActive('stable', 'back') };
}

/** Point the active Service at the stable or the new version. */
function switchActive(to: 'stable' | 'new', why: SwitchReason): TransitionAction[] {
  const toNew = to === 'new';
  return [
    {
      type: 'activeSwitched',
      params: ({ context }) => ({
        from: context.activeHash,
        to: (toNew ? context.currentPodHash : context.stableRS) ?? '',
        why,
      }),
    },
    toNew ? 'switchToNew' : 'switchToStable',
  ];
}

function onRunFailed(kind: 'prePromotion' | 'postPromotion'): Transition {
  return {
    guard: kind === 'prePromotion' ? 'preRunFailed' : 'postRunFailed',
    target: at(L.aborted),
    actions: [
      {
        type: 'rolloutAborted',
        params: (args) => ({
          cause: 'analysis',
          run: seen(kind === 'prePromotion' ? preRun(args) : postRun(args), kind),
        }),
      },
      'recordAbort',
    ],
  };
}

function inconclusive(kind: 'prePromotion' | 'postPromotion'): TransitionAction {
  return {
    type: 'analysisInconclusive',
    params: (args) => ({ run: seen(kind === 'prePromotion' ? preRun(args) : postRun(args), kind) }),
  };
}

function promotedPast(run: RunVerdict | undefined): { run?: RunVerdict } {
  return run && verdictOf(run) === 'inconclusive' ? { run } : {};
}

function promotedFull(): TransitionAction[] {
  return [{ type: 'promotedFull', params: {} }, 'startPromotion'];
}

function complete(): TransitionAction[] {
  return [
    'promoteToStable',
    {
      type: 'rolloutCompleted',
      params: ({ context }) => ({ podHash: context.currentPodHash ?? '' }),
    },
  ];
}

/** A stalled preview or promotion rolls back (progressDeadlineAbort); never while an analysis decides. */
function onProgressDeadlineAbort(mayWaitForAnalysis: boolean): Transition {
  return {
    guard: mayWaitForAnalysis
      ? and([not('heldByUser'), not('waitingForPreAnalysis'), 'progressDeadlineAbort'])
      : and([not('heldByUser'), 'progressDeadlineAbort']),
    target: at(L.aborted),
    actions: [{ type: 'rolloutAborted', params: { cause: 'progressDeadline' } }, 'recordAbort'],
  };
}

export type BlueGreenMachine = typeof blueGreenMachine;

/**
 * What the strategy machines (canary, blue-green, A/B) share: their frame (two parallel regions,
 * an iteration bound), the `hold` region (spec.paused), the context fields and guards and actions
 * every one of them has (spread into each machine's `setup()`), the shape of their state value,
 * and the types of their eventless transitions. Pure.
 *
 * Each machine's context and observation extend `KernelContext` / `KernelObservation`; what a
 * strategy decides on its own (its lifecycle, its guards over runs and steps) stays in its folder.
 */
import { assign, not } from 'xstate';
import type { StrategyInput } from '../types.ts';
import { effect } from './effects.ts';

/** The `hold` region: running, or held by the user (`spec.paused`). */
export const Hold = { running: 'running', heldByUser: 'heldByUser' } as const;
export type Hold = (typeof Hold)[keyof typeof Hold];

// A type alias, not an interface: xstate's StateValue needs the implicit index signature.
/** A strategy machine's state value: its own lifecycle region, and the hold region. */
export type LayeredStateValue<Lifecycle extends string> = {
  lifecycle: Lifecycle;
  hold: Hold;
};

/** What every strategy's context records (from status). Times are epoch ms. */
export interface KernelContext {
  currentPodHash: string | undefined;
  stableRS: string | undefined;
  /** status.abort: the operator's (or the progress deadline's) request. */
  abort: boolean;
  /** When the abort was carried out. */
  abortedAt: number | undefined;
  /** status.promoteFull. */
  promoteFull: boolean;
  /** status.controllerPause: the controller holds the rollout at a pause of its own. */
  controllerPause: boolean;
  /**
   * Start of the strategy's own pause condition (CanaryPauseStep, BlueGreenPause, AbTestPause);
   * undefined once an operator cleared it (a promote).
   */
  pauseStartedAt: number | undefined;
  /**
   * status.<strategy>.attempt: part of every AnalysisRun id, bumped each time the strategy starts
   * over (a new version, a retry). Never reset: an earlier version can come back, and its old runs
   * must not be reused.
   */
  attempt: number;
}

/** No pause, abort or promote --full in flight: the kernel's part of what a new version starts from. */
export const NOTHING_IN_FLIGHT = {
  pauseStartedAt: undefined,
  controllerPause: false,
  abort: false,
  abortedAt: undefined,
  promoteFull: false,
} as const satisfies Partial<KernelContext>;

/** The kernel's part of a Rollout with an empty status. */
export const INITIAL_KERNEL_CONTEXT = {
  currentPodHash: undefined,
  stableRS: undefined,
  ...NOTHING_IN_FLIGHT,
  attempt: 0,
} as const satisfies KernelContext;

/** What every strategy observes in one reconcile (its `OBSERVE` event). */
export interface KernelObservation {
  type: string;
  /** Hash of the current pod template (the version the spec asks for). */
  podHash: string;
  /** spec.paused */
  userPaused: boolean;
  now: number;
}

/** The progress-deadline bookkeeping of the canary and blue-green machines. */
export interface ProgressContext {
  /** Last progress (Progressing condition lastUpdateTime), for the progress deadline. */
  lastProgressAt: number;
}
export interface ProgressObservation extends KernelObservation {
  /** ReplicaSet counts moved forward since status was written. */
  replicaProgress: boolean;
  progressDeadlineMs: number;
  progressDeadlineAbort: boolean;
}

/** The facts every strategy's observation starts from, for one reconcile of `input`. */
export function kernelObservation(input: StrategyInput): KernelObservation & { type: 'OBSERVE' } {
  return {
    type: 'OBSERVE',
    now: input.now,
    podHash: input.currentPodHash,
    userPaused: input.spec.paused === true,
  };
}

/** Available pods by ReplicaSet hash (the blue-green and A/B observations). */
export function availableByHash(input: StrategyInput): Readonly<Record<string, number>> {
  return Object.fromEntries(input.replicaSets.map((view) => [view.hash, view.availableReplicas]));
}

interface Args<Context, Observation> {
  context: Context;
  event: Observation;
}

/**
 * xstate runs the initial state with its own init event whenever it builds an actor (`transition()`
 * does, each call): that event observes nothing, and adopting "nothing" as stable would loop.
 */
const isObservation = (event: { type: string }): boolean => event.type === 'OBSERVE';

/** Available pods of a ReplicaSet by hash, from an observation that lists them (blue-green, A/B). */
export const availableOf = (
  event: { available: Readonly<Record<string, number>> },
  hash: string | undefined,
): number => (hash === undefined ? 0 : (event.available[hash] ?? 0));

/** The guards every strategy machine has, by the same names. */
export const kernelGuards = {
  noStableYet: ({ context, event }: Args<KernelContext, KernelObservation>) =>
    isObservation(event) && context.stableRS === undefined,
  isNewVersion: ({ context, event }: Args<KernelContext, KernelObservation>) =>
    event.podHash !== context.currentPodHash,
  newVersionIsStable: ({ context, event }: Args<KernelContext, KernelObservation>) =>
    event.podHash !== context.currentPodHash && event.podHash === context.stableRS,
  heldByUser: ({ event }: Args<KernelContext, KernelObservation>) => event.userPaused,
  abortRequested: ({ context }: Args<KernelContext, KernelObservation>) =>
    context.abort && context.abortedAt === undefined,
  retryRequested: ({ context }: Args<KernelContext, KernelObservation>) => !context.abort,
  promoteFullRequested: ({ context }: Args<KernelContext, KernelObservation>) => context.promoteFull,
};

/** The actions every strategy machine has, typed for the machine that spreads them in. */
export function kernelActions<Context extends KernelContext, Observation extends KernelObservation>() {
  return {
    // Context extends KernelContext, so this is a Partial<Context>; TypeScript cannot see it for a type parameter.
    startPause: assign<Context, Observation, undefined, Observation, never>(
      ({ event }) => ({ pauseStartedAt: event.now, controllerPause: true }) as Partial<Context>,
    ),
  };
}

/** The progress deadline's guard (canary, blue-green). */
export const progressGuards = {
  progressDeadlineAbort: ({ context, event }: Args<ProgressContext, ProgressObservation>) =>
    event.progressDeadlineAbort && event.now - context.lastProgressAt >= event.progressDeadlineMs,
};

/** The progress bookkeeping actions (canary, blue-green), typed for the machine that spreads them in. */
export function progressActions<Context extends ProgressContext, Observation extends ProgressObservation>() {
  // Context extends ProgressContext, so this is a Partial<Context>; TypeScript cannot see it for a type parameter.
  const lastProgressAt = (at: number) => ({ lastProgressAt: at }) as Partial<Context>;
  return {
    noteReplicaProgress: assign<Context, Observation, undefined, Observation, never>(({ context, event }) =>
      lastProgressAt(event.replicaProgress ? event.now : context.lastProgressAt),
    ),
    noteResume: assign<Context, Observation, undefined, Observation, never>(({ event }) =>
      lastProgressAt(event.now),
    ),
  };
}

/**
 * The frame of every strategy machine, spread into its config before its `states` (the `hold`
 * region first, then `lifecycle`: in a microstep where both regions move, a pause or resume is
 * reported before the lifecycle's move).
 */
export function machineFrame<const Id extends string, Context>(id: Id, context: Context) {
  return {
    id,
    type: 'parallel',
    // A bug that made guards flip forever must fail the reconcile, not hang the controller.
    options: { maxIterations: 10_000 },
    context,
  } as const;
}

/** The `hold` region's effects, spread into every machine's effect declaration (their Events: holdEvent). */
export const holdEffects = {
  pausedByUser: effect(),
  resumedByUser: effect(),
};

/**
 * The `hold` region: spec.paused holds the lifecycle. `onResume` runs before `resumedByUser` is
 * reported (the canary and blue-green machines restart the progress clock there).
 */
export function holdRegion<const OnResume extends readonly string[]>(onResume: OnResume) {
  return {
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
          actions: [...onResume, { type: 'resumedByUser', params: {} }],
        },
      },
    },
  } as const;
}

/** What xstate's `setup()` returns, as far as the state config types go. */
interface MachineSetup {
  createStateConfig: (config: never) => unknown;
}
type StateConfigOf<Setup extends MachineSetup> = Parameters<Setup['createStateConfig']>[0];

/** One eventless transition of a machine, typed against its guards and actions. */
export type EventlessTransition<Setup extends MachineSetup> = Extract<
  NonNullable<StateConfigOf<Setup>['always']>,
  readonly unknown[]
>[number];

/** One action of an eventless transition of a machine. */
export type EventlessTransitionAction<Setup extends MachineSetup> = Extract<
  NonNullable<Extract<EventlessTransition<Setup>, { actions?: unknown }>['actions']>,
  readonly unknown[]
>[number];

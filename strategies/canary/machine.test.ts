/**
 * Model-based tests of the canary machine: every reachable state of a small abstract world is
 * explored with `xstate/graph`, and on every edge we check what the design relies on:
 * - state lives in status: the lifecycle state is exactly what `lifecycleFromContext` reads back
 *   from the recorded context, so rebuilding the snapshot from status loses nothing;
 * - a reconcile is a fixpoint: sending the same observation again changes nothing and reports
 *   nothing;
 * - every transition of the machine is taken somewhere.
 */
import { transition, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  Hold,
  Lifecycle,
  canaryMachine,
  INITIAL_CONTEXT,
  type CanaryContext,
  type CanaryObservation,
  type StepObservation,
} from './machine.ts';
import { lifecycleFromContext } from './snapshot.ts';
import { effectsOf } from './events.ts';
import { backgroundRunId, stepRunId, type ObservedRuns } from '../kernel/analysis-runs.ts';
import {
  T0,
  T1,
  VERSIONS,
  exploreMachine,
  itPassesTheSharedChecks,
  nextOf,
  reconcileEvents,
  type ModelEvent as Reconcile,
} from '../../test/support/strategies/machine-model.ts';
import type { AnalysisPhase } from '../types.ts';

type Snapshot = SnapshotFrom<typeof canaryMachine>;

const STEP_HASHES = ['steps-a', 'steps-b'] as const;

/** The model's steps: setWeight, a timed pause, an analysis, a pause until promoted. */
function steps(done: boolean): StepObservation[] {
  return [
    { kind: 'setWeight', done },
    { kind: 'pause', pauseMs: 10_000, done: false },
    { kind: 'analysis', done: false },
    { kind: 'pause', done: false },
  ];
}
/** Background analysis from the second step on. */
const BACKGROUND = { startingStep: 1 };

/**
 * The runs a reconcile sees: the current step's and/or the background run of the snapshot's
 * version and attempt, in the given phases. (The model keeps no runs between reconciles: a
 * quiet reconcile sees none, which the machine must read as "no verdict".)
 */
function runsOf(
  snapshot: Snapshot,
  phases: { step?: AnalysisPhase; background?: AnalysisPhase },
): ObservedRuns {
  const { currentPodHash, attempt, stepIndex } = snapshot.context;
  if (currentPodHash === undefined) return {};
  const runs: Record<string, { name: string; phase: AnalysisPhase }> = {};
  if (phases.step) {
    const id = stepRunId(currentPodHash, attempt, stepIndex);
    runs[id] = { name: `ro-${id}`, phase: phases.step };
  }
  if (phases.background) {
    const id = backgroundRunId(currentPodHash, attempt);
    runs[id] = { name: `ro-${id}`, phase: phases.background };
  }
  return runs;
}

/** A reconcile in the model: optionally an operator's status patch, then one observation. */
type ModelEvent = Reconcile<CanaryContext, CanaryObservation>;

/** What a reconcile observes when nothing changed in the world since `snapshot`. */
function quietObservation(snapshot: Snapshot, now = T0): CanaryObservation {
  return {
    type: 'OBSERVE',
    now,
    podHash: snapshot.context.currentPodHash ?? 'v1',
    stepsHash: snapshot.context.stepsHash ?? STEP_HASHES[0],
    steps: steps(false),
    userPaused: snapshot.value.hold === Hold.heldByUser,
    maxStepIndex: Infinity,
    inRollbackWindow: false,
    canaryFullyAvailable: false,
    routerAtFull: true,
    replicaProgress: false,
    progressDeadlineMs: 60_000,
    progressDeadlineAbort: false,
    analysisRuns: {},
    background: BACKGROUND,
  };
}

/** Everything that can happen between two reconciles in the model world. */
function modelEvents(snapshot: Snapshot): ModelEvent[] {
  const quiet = quietObservation(snapshot);
  const event = reconcileEvents<CanaryContext, CanaryObservation>(quiet);
  const { stepIndex, currentPodHash, stableRS } = snapshot.context;
  const promotable = stepIndex < steps(false).length && currentPodHash !== stableRS;
  const runs = (phases: Parameters<typeof runsOf>[1]) => ({ analysisRuns: runsOf(snapshot, phases) });
  /** What `promote` writes at a pause: every pause condition goes, controllerPause stays. */
  const promoted: Partial<CanaryContext> = { pauseStartedAt: undefined, inconclusivePausedAt: undefined };
  return [
    event('nothing changed', {}),
    event('time passes', { now: T1 }),
    event('step replica targets reached', { steps: steps(true) }),
    event('canary fully available', { canaryFullyAvailable: true }),
    // With a traffic router the canary becomes stable only once the router carries all traffic.
    event('canary fully available, router below 100%', { canaryFullyAvailable: true, routerAtFull: false }),
    event('pods progress later', { now: T1, replicaProgress: true }),
    event('new version', { podHash: nextOf(VERSIONS, snapshot.context.currentPodHash) }),
    event('rollback within window', {
      podHash: nextOf(VERSIONS, snapshot.context.currentPodHash),
      inRollbackWindow: true,
    }),
    event('steps edited', { stepsHash: nextOf(STEP_HASHES, snapshot.context.stepsHash) }),
    event('spec.paused toggled', { userPaused: !quiet.userPaused }),
    event('stalled past deadline (abort on deadline)', { now: T1, progressDeadlineAbort: true }),
    event('operator: abort', {}, { abort: true }),
    event('operator: retry', {}, { abort: false }),
    event('step analysis Successful', runs({ step: 'Successful' })),
    event('step analysis Failed', runs({ step: 'Failed' })),
    event('step analysis Error', runs({ step: 'Error' })),
    event('step analysis Inconclusive', runs({ step: 'Inconclusive' })),
    event('background analysis Successful', runs({ background: 'Successful' })),
    event('background analysis Failed', runs({ background: 'Failed' })),
    event('background analysis Inconclusive', runs({ background: 'Inconclusive' })),
    event('operator: promote (pause condition cleared)', {}, promoted),
    // A promote past an Inconclusive run that is still there (the usual case).
    event('operator: promote past Inconclusive step run', runs({ step: 'Inconclusive' }), promoted),
    event(
      'operator: promote past Inconclusive background run',
      runs({ background: 'Inconclusive' }),
      promoted,
    ),
    event(
      'operator: promote past Inconclusive step and background runs',
      runs({ step: 'Inconclusive', background: 'Inconclusive' }),
      promoted,
    ),
    event('operator: promote --full', {}, { promoteFull: true }),
    // What `promote` writes when no pause condition is left: the step index moves on.
    // (only mid-rollout, as the CLI does).
    ...(promotable ? [event('operator: promote (step index bumped)', {}, { stepIndex: stepIndex + 1 })] : []),
    // A status restored without currentPodHash (e.g. from a backup): the machine must recover.
    ...(snapshot.value.lifecycle === Lifecycle.healthy
      ? [event('status restored without currentPodHash', {}, { currentPodHash: undefined })]
      : []),
  ];
}

/**
 * States are told apart by value and context, except when progress was last seen: keeping it
 * would multiply the state space without adding behaviour the events do not already cover
 * (the deadline is exercised from the first state of each kind reached, which saw progress at T0).
 * Nor by the attempt, which only grows: the model's runs are named from each state's own
 * attempt, so behaviour does not depend on its value (the fixpoint test checks it separately).
 */
const model = exploreMachine({
  machine: canaryMachine,
  initialContext: { ...INITIAL_CONTEXT, lastProgressAt: T0 },
  events: modelEvents,
  lifecycleFromContext: (context) => lifecycleFromContext(context, steps(false).length),
  ignoredContext: ['lastProgressAt', 'attempt'],
});
const { initialSnapshot, reconcileInModel, serializeState } = model;

describe('canary machine, explored exhaustively', () => {
  itPassesTheSharedChecks(model, {
    lifecycles: Lifecycle,
    effectsOf,
    alsoAtFixpoint: (again, next) => {
      expect(again.context.attempt).toBe(next.context.attempt);
    },
    atLeast: { states: 100 },
  });

  it('promotes the canary to stable only once the traffic router carries all traffic', () => {
    const belowFull = model.edges.filter(
      ({ state, event }) =>
        state.value.lifecycle === Lifecycle.completing &&
        event.label === 'canary fully available, router below 100%',
    );
    expect(belowFull.length).toBeGreaterThan(0);
    for (const { state, next } of belowFull) {
      expect(next.value.lifecycle, serializeState(state)).not.toBe(Lifecycle.healthy);
      expect(next.context.stableRS).toBe(state.context.stableRS);
    }
  });
});

type Path = ReturnType<typeof model.shortestPaths>[number];

describe('canary machine, shortest paths', () => {
  const paths: Path[] = model.shortestPaths();

  /** A path's steps start with xstate's init step; the reconciles are the rest. */
  const reconciles = (path: Path): ModelEvent[] => path.steps.slice(1).map((step) => step.event);
  const labelsOf = (path: Path | undefined) => (path ? reconciles(path).map((e) => e.label) : []);

  it('reaches each completed, aborted, paused and inconclusive state through operator-visible steps', () => {
    const labels = (state: Snapshot) =>
      labelsOf(paths.find((path) => serializeState(path.state) === serializeState(state)));
    const firstIn = (lifecycle: string) =>
      paths.find((path) => path.state.value.lifecycle === lifecycle)?.state;
    const completed = paths.find(
      (path) =>
        path.state.value.lifecycle === Lifecycle.healthy &&
        path.state.context.stableRS !== undefined &&
        path.state.context.stableRS !== 'v1',
    );
    expect(labelsOf(completed)).toEqual([
      'nothing changed', // first deploy: v1 becomes stable
      'rollback within window', // v2 arrives, inside the window: straight to full
      'canary fully available',
    ]);
    const aborted = firstIn(Lifecycle.aborted);
    const toAborted = aborted ? labels(aborted) : [];
    expect(toAborted.slice(0, 2)).toEqual(['nothing changed', 'new version']);
    expect(['operator: abort', 'stalled past deadline (abort on deadline)']).toContain(toAborted[2]);
    const paused = firstIn(Lifecycle.paused);
    expect(paused && labels(paused)).toEqual([
      'nothing changed',
      'new version',
      'step replica targets reached',
    ]);
    // Background analysis starts at the pause (startingStep 1) and can pause it for good.
    const inconclusive = firstIn(Lifecycle.inconclusive);
    expect(inconclusive && labels(inconclusive)).toEqual([
      'nothing changed',
      'new version',
      'step replica targets reached',
      'background analysis Inconclusive',
    ]);
  });

  it('replays every path with the pure transition to the same state', { timeout: 60_000 }, () => {
    for (const path of paths) {
      let state = initialSnapshot;
      for (const event of reconciles(path)) state = reconcileInModel(state, event);
      expect(serializeState(state)).toBe(serializeState(path.state));
    }
  });
});

describe('canary machine, single transitions', () => {
  it('returns effects as data without running anything', () => {
    const healthy = reconcileInModel(initialSnapshot, modelEvents(initialSnapshot)[0] as ModelEvent);
    const [next, actions] = transition(canaryMachine, healthy, {
      ...quietObservation(healthy),
      podHash: 'v2',
    });
    expect(next.value).toEqual({ hold: Hold.running, lifecycle: Lifecycle.progressing });
    expect(effectsOf(actions)).toEqual([
      expect.objectContaining({ type: 'versionDetected', params: { podHash: 'v2', route: 'steps' } }),
      expect.objectContaining({ type: 'stepStarted', params: { index: 0 } }),
    ]);
  });

  it('runs a whole chain of steps in one reconcile when each is already satisfied', () => {
    const healthy = reconcileInModel(initialSnapshot, modelEvents(initialSnapshot)[0] as ModelEvent);
    const observation: CanaryObservation = {
      ...quietObservation(healthy),
      podHash: 'v2',
      steps: [
        { kind: 'setWeight', done: true },
        { kind: 'analysis', done: false },
        { kind: 'pause', pauseMs: 0, done: false },
        { kind: 'setWeight', done: false },
      ],
      // The run of the attempt this very reconcile starts (the new version bumps it to 1).
      analysisRuns: { 'v2-1-s1': { name: 'ro-v2-1-s1', phase: 'Successful' } },
    };
    const [next, actions] = transition(canaryMachine, healthy, observation);
    expect(next.value.lifecycle).toBe(Lifecycle.progressing);
    expect(next.context.stepIndex).toBe(3);
    expect(effectsOf(actions).map((effect) => effect.type)).toEqual([
      'versionDetected',
      'stepStarted',
      'stepCompleted',
      'stepStarted',
      'stepCompleted',
      'stepStarted',
      'pausedAtStep',
      'pauseElapsed',
      'stepCompleted',
      'stepStarted',
    ]);
  });
});

/**
 * Model-based tests of the blue-green machine: every reachable state of a small abstract world is
 * explored with `xstate/graph`, and on every edge we check what the design relies on:
 * - state lives in status: the lifecycle state is what `blueGreenLifecycleFromContext` reads back;
 * - a reconcile is a fixpoint: the same observation again changes nothing and reports nothing;
 * - the active Service only moves to a version with all its pods available (back to the stable
 *   version on an abort excepted, which the model keeps at full size whenever it matters);
 * - every transition of the machine is taken somewhere.
 */
import type { SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { postPromotionRunId, prePromotionRunId } from '../kernel/analysis-runs.ts';
import { blueGreenEffectsOf } from './events.ts';
import {
  Hold,
  BlueGreenLifecycle,
  blueGreenMachine,
  INITIAL_CONTEXT,
  type BlueGreenContext,
  type BlueGreenObservation,
} from './machine.ts';
import { blueGreenLifecycleFromContext } from './snapshot.ts';
import {
  T0,
  T1,
  VERSIONS,
  availablePods,
  exploreMachine,
  itPassesTheSharedChecks,
  labelsTo,
  nextOf,
  reconcileEvents,
  type ModelEvent,
} from '../../test/support/strategies/machine-model.ts';
import type { AnalysisPhase } from '../types.ts';

type Snapshot = SnapshotFrom<typeof blueGreenMachine>;

const REPLICAS = 2;

/** Pods available: none, the stable version's, or also the preview's / all of the new version's. */
const available = (snapshot: Snapshot, current: number) => availablePods(snapshot.context, REPLICAS, current);

function runs(snapshot: Snapshot, phases: { pre?: AnalysisPhase; post?: AnalysisPhase }) {
  const { currentPodHash, attempt } = snapshot.context;
  const observed: Record<string, { name: string; phase: AnalysisPhase }> = {};
  if (currentPodHash === undefined) return observed;
  if (phases.pre) observed[prePromotionRunId(currentPodHash, attempt)] = { name: 'pre', phase: phases.pre };
  if (phases.post)
    observed[postPromotionRunId(currentPodHash, attempt)] = { name: 'post', phase: phases.post };
  return observed;
}

function quietObservation(snapshot: Snapshot): BlueGreenObservation {
  return {
    type: 'OBSERVE',
    now: T0,
    podHash: snapshot.context.currentPodHash ?? 'v1',
    userPaused: snapshot.value.hold === Hold.heldByUser,
    replicas: REPLICAS,
    previewReplicas: 1,
    available: {},
    autoPromotion: { kind: 'timed', ms: 10_000 },
    prePromotion: true,
    postPromotion: true,
    replicaProgress: false,
    progressDeadlineMs: 60_000,
    progressDeadlineAbort: false,
    analysisRuns: {},
  };
}

const previousOf = (value: string | undefined): string =>
  VERSIONS[(VERSIONS.indexOf(value as (typeof VERSIONS)[number]) + VERSIONS.length - 1) % VERSIONS.length] ??
  'v1';

type BlueGreenEvent = ModelEvent<BlueGreenContext, BlueGreenObservation>;

function modelEvents(snapshot: Snapshot): BlueGreenEvent[] {
  const quiet = quietObservation(snapshot);
  const event = reconcileEvents<BlueGreenContext, BlueGreenObservation>(quiet);
  const up = (current: number) => ({ available: available(snapshot, current) });
  const { stableRS } = snapshot.context;
  const previewOnly = Object.fromEntries(
    Object.entries(available(snapshot, 1)).filter(([hash]) => hash !== stableRS),
  );
  /** What `promote` writes: the pause conditions go. */
  const promoted = { pauseStartedAt: undefined, inconclusivePausedAt: undefined };
  return [
    event('nothing changed', {}),
    event('time passes', { now: T1 }),
    event('stable fully available', up(0)),
    event('preview ready', up(1)),
    event('new version fully available', up(REPLICAS)),
    event('new version', { podHash: nextOf(VERSIONS, snapshot.context.currentPodHash), ...up(0) }),
    // With the stable pods down the active Service cannot go back to them: it stays where it is.
    event('new version, stable pods down', { podHash: nextOf(VERSIONS, snapshot.context.currentPodHash) }),
    event('previous version, stable pods down', { podHash: previousOf(snapshot.context.currentPodHash) }),
    // A status restored without currentPodHash (e.g. from a backup): the machine must recover.
    ...(snapshot.value.lifecycle === BlueGreenLifecycle.healthy
      ? [event('status restored without currentPodHash', up(0), { currentPodHash: undefined })]
      : []),
    event('spec.paused toggled', { userPaused: !quiet.userPaused }),
    event('stalled past deadline', { now: T1, progressDeadlineAbort: true, ...up(0) }),
    event('operator: abort', up(0), { abort: true }),
    event('operator: retry', up(0), { abort: false }),
    event('operator: promote', up(REPLICAS), promoted),
    event('operator: promote --full', up(REPLICAS), { promoteFull: true }),
    event('pre-promotion Successful, promoted at once', {
      ...up(1),
      analysisRuns: runs(snapshot, { pre: 'Successful' }),
      autoPromotion: { kind: 'immediate' },
    }),
    event('pre-promotion Successful, stable pods down', {
      available: previewOnly,
      analysisRuns: runs(snapshot, { pre: 'Successful' }),
    }),
    event('operator: promote, stable pods down', { available: previewOnly }, promoted),
    ...(['Successful', 'Failed', 'Inconclusive'] as const).flatMap((phase) => [
      event(`pre-promotion ${phase}`, { ...up(1), analysisRuns: runs(snapshot, { pre: phase }) }),
      event(`post-promotion ${phase}`, { ...up(REPLICAS), analysisRuns: runs(snapshot, { post: phase }) }),
    ]),
  ];
}

/** States are told apart by value and context, but not by when progress was last seen nor by the attempt. */
const model = exploreMachine({
  machine: blueGreenMachine,
  initialContext: { ...INITIAL_CONTEXT, lastProgressAt: T0 },
  events: modelEvents,
  lifecycleFromContext: blueGreenLifecycleFromContext,
  ignoredContext: ['lastProgressAt', 'attempt'],
});
const { edges, rebuiltFromStatus, serializeState } = model;

describe('blue-green machine, explored exhaustively', () => {
  itPassesTheSharedChecks(model, {
    lifecycles: BlueGreenLifecycle,
    effectsOf: blueGreenEffectsOf,
    atLeast: { states: 50, edges: 1000 },
  });

  it('moves the active Service only to a fully available version, or back to the stable one on an abort', () => {
    let switches = 0;
    for (const { state, event, next } of edges) {
      const to = next.context.activeHash;
      if (to === rebuiltFromStatus(state, event).context.activeHash || to === undefined) continue;
      switches++;
      if (next.value.lifecycle === BlueGreenLifecycle.aborted) expect(to).toBe(next.context.stableRS);
      else
        expect(event.observation.available[to] ?? 0, `${serializeState(state)} + ${event.label}`).toBe(
          REPLICAS,
        );
    }
    expect(switches).toBeGreaterThan(10);
  });
});

describe('blue-green machine, shortest paths', () => {
  const paths = model.shortestPaths();

  it('reaches the pause, the post-promotion analysis and an abort through operator-visible steps', () => {
    expect(labelsTo(paths, BlueGreenLifecycle.postPromotion)).toEqual([
      'nothing changed', // v1 becomes stable
      'new version',
      'pre-promotion Successful, promoted at once', // no pause: the new version scales to full
      'new version fully available', // the active Service switches
    ]);
    expect(labelsTo(paths, BlueGreenLifecycle.aborted)?.slice(0, 2)).toEqual([
      'nothing changed',
      'new version',
    ]);
    const toPaused = labelsTo(paths, BlueGreenLifecycle.paused);
    expect(toPaused?.slice(0, 2)).toEqual(['nothing changed', 'new version']);
    expect(toPaused?.[2]).toMatch(/^pre-promotion Successful/);
    expect(toPaused).toHaveLength(3);
  });
});

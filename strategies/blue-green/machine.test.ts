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
import { exploreMachine, labelsTo, type ModelEvent } from '../../test/support/strategies/machine-model.ts';
import type { AnalysisPhase } from '../types.ts';

type Snapshot = SnapshotFrom<typeof blueGreenMachine>;

const T0 = 1_000_000;
const T1 = T0 + 600_000;
const REPLICAS = 2;
const VERSIONS = ['v1', 'v2', 'v3'] as const;

/** Pods available: none, the stable version's, or also the preview's / all of the new version's. */
function available(snapshot: Snapshot, current: number): Record<string, number> {
  const { stableRS, currentPodHash } = snapshot.context;
  const pods: Record<string, number> = {};
  if (stableRS !== undefined) pods[stableRS] = REPLICAS;
  if (currentPodHash !== undefined && currentPodHash !== stableRS) pods[currentPodHash] = current;
  return pods;
}

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

const nextOf = (value: string | undefined): string =>
  VERSIONS[(VERSIONS.indexOf(value as (typeof VERSIONS)[number]) + 1) % VERSIONS.length] ?? 'v1';

const previousOf = (value: string | undefined): string =>
  VERSIONS[(VERSIONS.indexOf(value as (typeof VERSIONS)[number]) + VERSIONS.length - 1) % VERSIONS.length] ??
  'v1';

type BlueGreenEvent = ModelEvent<BlueGreenContext, BlueGreenObservation>;

function modelEvents(snapshot: Snapshot): BlueGreenEvent[] {
  const quiet = quietObservation(snapshot);
  const event = (
    label: string,
    observation: Partial<BlueGreenObservation>,
    operator?: Partial<BlueGreenContext>,
  ): BlueGreenEvent => ({
    type: 'RECONCILE',
    label,
    observation: { ...quiet, ...observation },
    ...(operator ? { operator } : {}),
  });
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
    event('new version', { podHash: nextOf(snapshot.context.currentPodHash), ...up(0) }),
    // With the stable pods down the active Service cannot go back to them: it stays where it is.
    event('new version, stable pods down', { podHash: nextOf(snapshot.context.currentPodHash) }),
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

const initialSnapshot: Snapshot = blueGreenMachine.resolveState({
  value: { hold: Hold.running, lifecycle: BlueGreenLifecycle.healthy },
  context: { ...INITIAL_CONTEXT, lastProgressAt: T0 },
});

/** States are told apart by value and context, but not by when progress was last seen nor by the attempt. */
const model = exploreMachine({
  machine: blueGreenMachine,
  initialSnapshot,
  events: modelEvents,
  lifecycleFromContext: blueGreenLifecycleFromContext,
  ignoredContext: ['lastProgressAt', 'attempt'],
});
const { vertices, edges, rebuiltFromStatus, serializeState } = model;

describe('blue-green machine, explored exhaustively', () => {
  it('reaches every lifecycle state, held and not', () => {
    const reached = model.reachedStates();
    for (const lifecycle of Object.values(BlueGreenLifecycle)) {
      for (const hold of Object.values(Hold)) expect(reached).toContain(`${lifecycle}/${hold}`);
    }
    expect(vertices.length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(1000);
  });

  it('keeps the lifecycle state readable from status in every reachable state', () => {
    model.expectLifecycleReadableFromStatus();
  });

  it(
    'is a fixpoint: the same observation again changes nothing and reports nothing',
    { timeout: 60_000 },
    () => {
      model.expectFixpoint(blueGreenEffectsOf);
    },
  );

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

  it('takes every transition of the machine', { timeout: 60_000 }, () => {
    const missed = model.transitionsNotTaken(
      (definition) =>
        `${definition.source.id} [${JSON.stringify(definition.guard)}] -> ${definition.target?.map((node) => node.id).join(',') ?? '(self)'} ${JSON.stringify(definition.actions)}`,
    );
    expect(missed).toEqual([]);
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

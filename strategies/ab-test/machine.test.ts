/**
 * Model-based tests of the A/B machine: every reachable state of a small abstract world is explored
 * with `xstate/graph`, and on every edge we check what the design relies on:
 * - state lives in status: the lifecycle state is what `abLifecycleFromContext` reads back;
 * - a reconcile is a fixpoint: the same observation again changes nothing and reports nothing;
 * - B is promoted only on evidence: a Successful comparison run, or a human's promote at the Wait;
 * - every transition of the machine is taken somewhere.
 */
import type { SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { backgroundRunId, stepRunId } from '../kernel/analysis-runs.ts';
import {
  AB_INITIAL_CONTEXT,
  Hold,
  AbLifecycle,
  abTestMachine,
  type AbContext,
  type AbObservation,
} from './machine.ts';
import type { AbStep } from './settings.ts';
import { abLifecycleFromContext } from './snapshot.ts';
import { abEffectsOf } from './events.ts';
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

type Snapshot = SnapshotFrom<typeof abTestMachine>;

const REPLICAS = 4;
/** setSplit 20%, a timed pause, a step analysis, then the test at 50/50 (comparison from step 1). */
const STEPS: AbStep[] = [
  { kind: 'setSplit', b: 20 },
  { kind: 'pause', ms: 10_000 },
  { kind: 'analysis', templates: [{ templateName: 'gate' }] },
];
const RULES = { onSuccess: 'PromoteB', onFailure: 'KeepA', onInconclusive: 'Wait' } as const;

function runs(snapshot: Snapshot, phases: { step?: AnalysisPhase; comparison?: AnalysisPhase }) {
  const { currentPodHash, attempt, stepIndex } = snapshot.context;
  const observed: Record<string, { name: string; phase: AnalysisPhase }> = {};
  if (currentPodHash === undefined) return observed;
  if (phases.step)
    observed[stepRunId(currentPodHash, attempt, stepIndex)] = { name: 'step', phase: phases.step };
  if (phases.comparison)
    observed[backgroundRunId(currentPodHash, attempt)] = { name: 'comparison', phase: phases.comparison };
  return observed;
}

function quietObservation(snapshot: Snapshot): AbObservation {
  return {
    type: 'OBSERVE',
    now: T0,
    podHash: snapshot.context.currentPodHash ?? 'v1',
    userPaused: snapshot.value.hold === Hold.heldByUser,
    replicas: REPLICAS,
    steps: STEPS,
    comparisonFrom: 1,
    rules: RULES,
    available: {},
    analysisRuns: {},
  };
}

function modelEvents(snapshot: Snapshot): ModelEvent<AbContext, AbObservation>[] {
  const quiet = quietObservation(snapshot);
  const event = reconcileEvents<AbContext, AbObservation>(quiet);
  const bPods = (count: number) => ({ available: availablePods(snapshot.context, REPLICAS, count) });
  return [
    event('nothing changed', {}),
    event('time passes', { now: T1 }),
    event('B has its pods for 20%', bPods(1)),
    event('B fully available', bPods(REPLICAS)),
    event('new version', { podHash: nextOf(VERSIONS, snapshot.context.currentPodHash) }),
    event('spec.paused toggled', { userPaused: !quiet.userPaused }),
    event('operator: abort', {}, { abort: true }),
    event('operator: retry', {}, { abort: false }),
    event('operator: promote --full', {}, { promoteFull: true }),
    event('operator: promote', bPods(REPLICAS), { pauseStartedAt: undefined, waitStartedAt: undefined }),
    event('step analysis Successful, no comparison configured', {
      ...bPods(1),
      comparisonFrom: undefined,
      analysisRuns: runs(snapshot, { step: 'Successful' }),
    }),
    ...(['Successful', 'Failed', 'Inconclusive'] as const).flatMap((phase) => [
      event(`step analysis ${phase}`, { ...bPods(1), analysisRuns: runs(snapshot, { step: phase }) }),
      event(`comparison ${phase}`, { ...bPods(1), analysisRuns: runs(snapshot, { comparison: phase }) }),
    ]),
  ];
}

/** States are told apart by value and context, but not by the attempt. */
const model = exploreMachine({
  machine: abTestMachine,
  initialContext: AB_INITIAL_CONTEXT,
  events: modelEvents,
  lifecycleFromContext: abLifecycleFromContext,
  ignoredContext: ['attempt'],
});
const { edges, rebuiltFromStatus, serializeState } = model;

describe('A/B machine, explored exhaustively', () => {
  itPassesTheSharedChecks(model, { lifecycles: AbLifecycle, effectsOf: abEffectsOf });

  it('promotes B only on a Successful comparison or a human promote at the Wait', () => {
    let promotions = 0;
    for (const { state, event, next } of edges) {
      if (
        next.context.decision !== 'PromoteB' ||
        rebuiltFromStatus(state, event).context.decision === 'PromoteB'
      )
        continue;
      promotions++;
      // A human: promote --full, or the AbTestDecision pause condition cleared while waiting (maybe while held).
      const before = rebuiltFromStatus(state, event);
      const evidence =
        event.label === 'comparison Successful' ||
        event.label === 'operator: promote --full' ||
        (before.value.lifecycle === AbLifecycle.waiting && before.context.waitStartedAt === undefined);
      expect(evidence, `${serializeState(state)} + ${event.label}`).toBe(true);
    }
    expect(promotions).toBeGreaterThan(3);
  });
});

describe('A/B machine, shortest paths', () => {
  const paths = model.shortestPaths();

  it('reaches a pause, each decision and the promotion through operator-visible steps', () => {
    expect(labelsTo(paths, AbLifecycle.paused)).toEqual([
      'nothing changed',
      'new version',
      'B has its pods for 20%',
    ]);
    expect(labelsTo(paths, AbLifecycle.promotingB)).toEqual([
      'nothing changed',
      'new version',
      'operator: promote --full',
    ]);
    const byEvidence = paths.find(
      (path) =>
        path.state.value.lifecycle === AbLifecycle.promotingB &&
        path.steps.slice(1).every((step) => !step.event.label.startsWith('operator')),
    );
    expect(byEvidence?.steps.slice(1).map((step) => step.event.label)).toEqual([
      'nothing changed', // v1 becomes stable (A)
      'new version', // v2 is B
      // B has its pods: the split moves, the pause starts, the comparison (from step 1) decides
      'comparison Successful',
    ]);
    expect(labelsTo(paths, AbLifecycle.waiting)?.at(-1)).toBe('comparison Inconclusive');
    expect(labelsTo(paths, AbLifecycle.keptA)?.slice(0, 2)).toEqual(['nothing changed', 'new version']);
  });
});

/**
 * Any sequence of operations (new versions, step edits, promote, promote --full, abort, retry,
 * pause, resume, AnalysisRuns ending in any phase), pods starting at any pace and time passing in
 * any steps: every reconcile is idempotent, never takes available pods below the minimum, never
 * passes an analysis step without its own run's verdict, never asks again for a run that failed
 * or was terminated, and once the operators stop interfering (and the analyses pass) the rollout
 * always ends Healthy on the current version with nothing else left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcileCanary } from './reconcile.ts';
import { minAvailable, resolveRollingLimits } from '../kernel/replicas.ts';
import {
  applyOperation,
  operatorOperations,
  promote,
  runOperations,
  type OperatorOperation,
} from '../../test/support/strategies/operations.ts';
import {
  finishRuns,
  type SimulatedRun,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { withSpec } from '../../test/support/strategies/world-edits.ts';
import type { AnalysisPhase, CanaryStep, RolloutSpecView, StrategyDecision } from '../types.ts';

const ANALYSIS = { templates: [{ templateName: 'success-rate' }] };
const STEP_LISTS: CanaryStep[][] = [
  [
    { setWeight: 20 },
    { analysis: ANALYSIS },
    { pause: { duration: '5s' } },
    { setWeight: 60 },
    { pause: {} },
  ],
  [{ setCanaryScale: { replicas: 2 } }, { setWeight: 50 }, { pause: {} }, { analysis: ANALYSIS }],
];

type Operation =
  | OperatorOperation
  | { kind: 'editSteps' }
  | { kind: 'analysis'; run: SimulatedRun['kind']; phase: AnalysisPhase };

const operation: fc.Arbitrary<Operation> = fc.oneof<fc.WeightedArbitrary<Operation>[]>(
  ...operatorOperations(),
  { weight: 1, arbitrary: fc.constant({ kind: 'editSteps' as const }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('analysis' as const),
      run: fc.constantFrom('step' as const, 'background' as const),
      phase: fc.constantFrom<AnalysisPhase>('Successful', 'Failed', 'Error', 'Inconclusive', 'Successful'),
    }),
  },
);

function apply(world: SimulatedWorld, op: Operation, versions: { next: number }): SimulatedWorld {
  switch (op.kind) {
    case 'editSteps': {
      const canary = world.spec.strategy.canary ?? {};
      const steps = canary.steps === STEP_LISTS[0] ? STEP_LISTS[1] : STEP_LISTS[0];
      return withSpec(world, { strategy: { canary: { ...canary, steps } } });
    }
    case 'analysis':
      return finishRuns(world, op.run, op.phase, `metric "success-rate": ${op.phase}`);
    default:
      return applyOperation(world, op, versions);
  }
}

const LABEL_VALUE = /^[a-zA-Z0-9](?:[-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

/**
 * What a reconcile may do with AnalysisRuns, given the runs it saw: complete an analysis step only
 * on that step's run of this version and attempt being Successful (or Inconclusive and promoted),
 * never request a run that failed or was terminated, and pause while a requested run is
 * Inconclusive.
 */
function checkAnalysis(before: SimulatedWorld, decision: StrategyDecision): void {
  const runs = before.analysisRuns ?? [];
  const attempt = decision.status.canary?.attempt ?? 0;
  for (const event of decision.events) {
    const completed = /^Step (\d+)\/\d+ analysis/.exec(event.message);
    if (event.reason !== 'RolloutStepCompleted' || !completed) continue;
    const index = Number(completed[1]) - 1;
    // The step's run of this attempt; or of the one before when this same promote accepted an
    // Inconclusive background run (which bumps the attempt).
    const accepted = decision.events.some(
      (e) => e.reason === 'RolloutPromoted' && e.message.includes('Inconclusive analysis run'),
    );
    const ids = (accepted ? [attempt, attempt - 1] : [attempt]).map(
      (a) => `${before.currentPodHash}-${a}-s${index}`,
    );
    const verdicts = runs
      .filter((run) => ids.includes(run.id) && run.message !== 'Run Terminated')
      .map((run) => run.phase);
    expect(verdicts, `${event.message} without a verdict`).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(Successful|Inconclusive)$/)]),
    );
  }
  for (const request of decision.analysisRuns ?? []) {
    expect(request.id.length).toBeLessThanOrEqual(40);
    expect(request.id).toMatch(LABEL_VALUE);
    const run = runs.find((candidate) => candidate.id === request.id);
    expect(['Failed', 'Error']).not.toContain(run?.phase);
    expect(run?.message).not.toBe('Run Terminated');
    if (run?.phase === 'Inconclusive') expect(decision.status.controllerPause).toBe(true);
  }
}

const atAnalysisStep = (world: SimulatedWorld): boolean =>
  world.spec.strategy.canary?.steps?.[world.status.currentStepIndex ?? 0]?.analysis !== undefined &&
  world.status.currentPodHash !== world.status.stableRS;

const availableOf = (world: SimulatedWorld): number =>
  world.replicaSets.reduce((sum, rs) => sum + rs.availableReplicas, 0);

describe('canary under any sequence of operations', () => {
  it(
    'stays idempotent and available, and always ends Healthy on the current version',
    { timeout: 120_000 },
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 8 }),
          fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
          fc.array(operation, { minLength: 1, maxLength: 40 }),
          (replicas, backgroundFrom, operations) => {
            const spec: RolloutSpecView = {
              replicas,
              progressDeadlineSeconds: 120,
              strategy: {
                canary: {
                  steps: STEP_LISTS[0],
                  maxSurge: 1,
                  maxUnavailable: 1,
                  ...(backgroundFrom === undefined
                    ? {}
                    : {
                        analysis: {
                          templates: [{ templateName: 'error-rate' }],
                          startingStep: backgroundFrom,
                        },
                      }),
                },
              },
            };
            const floor = minAvailable(
              replicas,
              resolveRollingLimits(replicas, { maxSurge: 1, maxUnavailable: 1 }, 'spec'),
            );
            runOperations({
              strategy: reconcileCanary,
              spec,
              operations,
              apply,
              check: (before, reconciled) => {
                checkAnalysis(before, reconciled.decision);
                for (const event of reconciled.decision.events)
                  seen.add(eventKind(event.reason, event.message));
                // Removing pods never takes availability below the minimum (or below what it was).
                expect(availableOf(reconciled.world)).toBeGreaterThanOrEqual(
                  Math.min(availableOf(before), floor),
                );
                expect(reconciled.world.status.message).toBeTruthy();
              },
              // Promote whatever waits, and the analyses pass. Analysis steps are not promoted: they
              // must complete on their own runs' verdicts. (Other steps are: setCanaryScale without a
              // router can ask for fewer pods than maxUnavailable allows, and then only a promote moves on.)
              settleBy: (world) => {
                const passed = finishRuns(
                  finishRuns(world, 'step', 'Successful'),
                  'background',
                  'Successful',
                );
                return !atAnalysisStep(passed) || passed.status.pauseConditions?.length
                  ? promote(passed)
                  : passed;
              },
            });
          },
        ),
        {
          numRuns: 120,
          // Always run first: each analysis outcome at least once, whatever the random seed.
          examples: [
            [
              3,
              undefined,
              [
                { kind: 'podsUp', count: 3 },
                { kind: 'analysis', run: 'step', phase: 'Failed' },
              ],
            ],
            [
              3,
              0,
              [
                { kind: 'podsUp', count: 3 },
                { kind: 'analysis', run: 'step', phase: 'Inconclusive' },
                { kind: 'promote' },
                { kind: 'analysis', run: 'background', phase: 'Error' },
              ],
            ],
            // Found by a random seed: held by the user, promoted past an Inconclusive step run and
            // then past the next step; the status once lost the run that explained the pause.
            [
              1,
              undefined,
              [
                { kind: 'pause' },
                { kind: 'promote' },
                { kind: 'analysis', run: 'step', phase: 'Inconclusive' },
                { kind: 'promote' },
                { kind: 'promote' },
              ],
            ],
          ],
        },
      );
      // The random operations did reach the analysis outcomes.
      expect([...seen]).toEqual(
        expect.arrayContaining(['aborted by analysis', 'paused on Inconclusive', 'analysis step completed']),
      );
    },
  );
});

/** Which analysis outcomes the runs reached, to check the generator exercises them. */
const seen = new Set<string>();
function eventKind(reason: string, message: string): string {
  if (reason === 'RolloutAborted' && message.includes('analysis run')) return 'aborted by analysis';
  if (reason === 'RolloutPaused' && message.includes('Inconclusive')) return 'paused on Inconclusive';
  if (reason === 'RolloutStepCompleted' && / analysis /.test(message)) return 'analysis step completed';
  return reason;
}

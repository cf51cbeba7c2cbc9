/**
 * Any sequence of operations (new versions, promote, promote --full, abort, retry, pause, resume,
 * pre- and post-promotion runs ending in any phase), pods starting at any pace and time passing in
 * any steps, under random blue-green settings: every reconcile is idempotent; the active Service
 * never selects a ReplicaSet that is not fully available, and only ever moves to the new version
 * on that version's own Successful (or promoted Inconclusive) pre-promotion run; and once the
 * operators stop interfering (and the analyses pass) the rollout always ends Healthy on the
 * current version with the active Service on it and nothing else left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcileBlueGreen } from './reconcile.ts';
import {
  applyOperation,
  operatorOperations,
  promote,
  runOperations,
  type OperatorOperation,
} from '../../test/support/strategies/operations.ts';
import {
  finishRuns,
  replicaSet,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import type { AnalysisPhase, BlueGreenStrategySpec, RolloutSpecView, StrategyDecision } from '../types.ts';

const ANALYSIS = { templates: [{ templateName: 'smoke' }] };

type Operation =
  OperatorOperation | { kind: 'analysis'; run: 'prePromotion' | 'postPromotion'; phase: AnalysisPhase };

const operation: fc.Arbitrary<Operation> = fc.oneof<fc.WeightedArbitrary<Operation>[]>(
  ...operatorOperations(),
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('analysis' as const),
      run: fc.constantFrom('prePromotion' as const, 'postPromotion' as const),
      phase: fc.constantFrom<AnalysisPhase>('Successful', 'Failed', 'Error', 'Inconclusive', 'Successful'),
    }),
  },
);

const settingsArbitrary = (replicas: number): fc.Arbitrary<Partial<BlueGreenStrategySpec>> =>
  fc.record(
    {
      previewReplicaCount: fc.integer({ min: 1, max: replicas }),
      autoPromotionEnabled: fc.boolean(),
      autoPromotionSeconds: fc.constant(10),
      abortScaleDownDelaySeconds: fc.constantFrom(0, 30),
      prePromotionAnalysis: fc.constant(ANALYSIS),
      postPromotionAnalysis: fc.constant(ANALYSIS),
    },
    { requiredKeys: [] },
  );

/**
 * Blue-green has no steps: the shared `promote` only clears the pause conditions (the strategy never
 * writes an empty list, so there is nothing else to clear).
 */
function apply(world: SimulatedWorld, op: Operation, versions: { next: number }): SimulatedWorld {
  return op.kind === 'analysis'
    ? finishRuns(world, op.run, op.phase, `metric "smoke": ${op.phase}`)
    : applyOperation(world, op, versions);
}

/**
 * The active Service's invariants for one reconcile from `before` to `after`: it selects a fully
 * available ReplicaSet (or nothing yet), and moves to the new version only on that version's own
 * pre-promotion verdict of this attempt (unless promote --full skipped it).
 */
function checkActive(before: SimulatedWorld, decision: StrategyDecision, after: SimulatedWorld): void {
  const replicas = before.spec.replicas ?? 1;
  const active = decision.selectors.stable;
  expect(decision.status.blueGreen?.activeSelector).toBe(active);
  if (active === undefined) return;
  expect(replicaSet(after, active).availableReplicas, `active ${active}`).toBeGreaterThanOrEqual(replicas);
  const previous = before.status.blueGreen?.activeSelector;
  const switchedToNew = active !== previous && active === before.currentPodHash && previous !== undefined;
  const pre = before.spec.strategy.blueGreen?.prePromotionAnalysis;
  if (!switchedToNew || pre === undefined || before.status.promoteFull === true) return;
  const attempt = decision.status.blueGreen?.attempt ?? 0;
  const verdict = before.analysisRuns?.find((run) => run.id === `${active}-${attempt}-pre`)?.phase;
  expect(['Successful', 'Inconclusive'], `switch to ${active} without its pre-promotion verdict`).toContain(
    verdict,
  );
}

describe('blue-green under any sequence of operations', () => {
  it(
    'keeps the active Service on fully available versions and always ends Healthy on the current one',
    { timeout: 120_000 },
    () => {
      const reached = new Set<string>();
      fc.assert(
        fc.property(
          fc
            .integer({ min: 1, max: 6 })
            .chain((replicas) =>
              fc.tuple(
                fc.constant(replicas),
                settingsArbitrary(replicas),
                fc.array(operation, { minLength: 1, maxLength: 40 }),
              ),
            ),
          ([replicas, blueGreen, operations]) => {
            const spec: RolloutSpecView = {
              replicas,
              strategy: { blueGreen: { activeService: 'active', previewService: 'preview', ...blueGreen } },
            };
            runOperations({
              strategy: reconcileBlueGreen,
              spec,
              operations,
              apply,
              check: (before, reconciled) => {
                checkActive(before, reconciled.decision, reconciled.world);
                for (const event of reconciled.decision.events) reached.add(event.reason);
                reached.add(`phase ${reconciled.decision.status.phase ?? ''}`);
                expect(reconciled.world.status.message).toBeTruthy();
              },
              // Promote whatever waits; the analyses pass.
              settleBy: (world) =>
                promote(
                  finishRuns(finishRuns(world, 'prePromotion', 'Successful'), 'postPromotion', 'Successful'),
                ),
              settledAlso: (world) => world.status.blueGreen?.activeSelector === world.currentPodHash,
            });
          },
        ),
        {
          numRuns: 150,
          examples: [
            [
              [
                3,
                { prePromotionAnalysis: ANALYSIS, postPromotionAnalysis: ANALYSIS },
                [
                  { kind: 'podsUp', count: 3 },
                  { kind: 'analysis', run: 'prePromotion', phase: 'Successful' },
                  { kind: 'podsUp', count: 3 },
                  { kind: 'analysis', run: 'postPromotion', phase: 'Failed' },
                ],
              ],
            ],
            [
              [
                2,
                { prePromotionAnalysis: ANALYSIS, previewReplicaCount: 1, autoPromotionEnabled: false },
                [
                  { kind: 'podsUp', count: 1 },
                  { kind: 'analysis', run: 'prePromotion', phase: 'Error' },
                  { kind: 'retry' },
                  { kind: 'podsUp', count: 1 },
                ],
              ],
            ],
          ],
        },
      );
      // The random operations did reach the interesting outcomes.
      expect([...reached]).toEqual(
        expect.arrayContaining([
          'ActiveServiceSwitched',
          'RolloutAborted',
          'RolloutPromoted',
          'RolloutRetried',
          'RolloutCompleted',
          'phase Paused',
          'phase Degraded',
        ]),
      );
    },
  );
});

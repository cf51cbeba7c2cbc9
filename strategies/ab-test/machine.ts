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
import { and, not } from 'xstate';
import { holdRegion, machineFrame } from '../kernel/machine.ts';
import { AB_INITIAL_CONTEXT, AbLifecycle, abSetup } from './machine-setup.ts';
import {
  completeStep,
  decided,
  onAbortRequested,
  onNewVersion,
  onPromoteFull,
  onVerdict,
} from './machine-transitions.ts';

export { Hold } from '../kernel/machine.ts';
export {
  AB_INITIAL_CONTEXT,
  AbLifecycle,
  comparisonRun,
  decisionFor,
  stepRun,
  verdictDecision,
  type AbContext,
  type AbObservation,
  type AbStateValue,
} from './machine-setup.ts';

const L = AbLifecycle;

export const abTestMachine = abSetup.createMachine({
  ...machineFrame('abTest', AB_INITIAL_CONTEXT),
  states: {
    hold: holdRegion([]),
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

export type AbTestMachine = typeof abTestMachine;

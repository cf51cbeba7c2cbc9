/**
 * The canary lifecycle as an xstate v5 machine, used as a pure function: the caller rebuilds a
 * snapshot from `status` (`canaryMachine.resolveState`), sends one `OBSERVE` event per reconcile
 * and reads back the next snapshot and the actions, which are only data (`{ type, params }`)
 * naming what happened, for the caller to turn into Kubernetes Events.
 *
 * Everything happens in eventless (`always`) transitions: the observation stays the event for
 * the whole macrostep, so one reconcile runs the lifecycle forward until nothing more can change
 * for this observation (step done -> next step -> its pause starts...). Guards compare what is
 * observed (the event) with what status records (the context) — levels, not edges — so feeding
 * the result back with the same observation changes nothing: a reconcile is idempotent.
 *
 * No `after` timers: pauses and deadlines compare `event.now` with times kept in context.
 *
 * Two parallel regions:
 * - `lifecycle`: healthy -> progressing <-> paused -> completing -> healthy, and aborted; an
 *   Inconclusive AnalysisRun pauses in `inconclusive` until promoted, a Failed one aborts;
 * - `hold`: running / heldByUser (`spec.paused`), which blocks every forward move of the lifecycle
 *   (but not bookkeeping such as noticing a new version, and not an abort).
 *
 * `event.maxStepIndex` (a RolloutGroup in lockstep) blocks only the moves that complete a step
 * at that index, and the progress deadline while it does: waiting for the other members is no stall.
 */
import { and, not } from 'xstate';
import { holdRegion, machineFrame } from '../kernel/machine.ts';
import { INITIAL_CONTEXT, Lifecycle, canarySetup, pauseEnd } from './machine-setup.ts';
import {
  completeStep,
  forward,
  inconclusivePromoted,
  onAbortRequested,
  onAbortRestartOrPromoteFull,
  onNewVersion,
  onProgressDeadlineAbort,
  onRunFailed,
  onRunInconclusive,
  restartSteps,
} from './machine-transitions.ts';

export { Hold } from '../kernel/machine.ts';
export {
  INITIAL_CONTEXT,
  Lifecycle,
  type CanaryContext,
  type CanaryObservation,
  type CanaryStateValue,
  type StepObservation,
} from './machine-setup.ts';

export const canaryMachine = canarySetup.createMachine({
  ...machineFrame('canary', INITIAL_CONTEXT),
  on: {
    OBSERVE: { actions: 'noteReplicaProgress' },
  },
  states: {
    hold: holdRegion(['noteResume']),
    lifecycle: {
      initial: Lifecycle.healthy,
      states: {
        [Lifecycle.healthy]: {
          always: [
            {
              guard: 'noStableYet',
              target: Lifecycle.healthy,
              actions: [
                'adoptAsStable',
                {
                  type: 'versionDetected',
                  params: ({ event }) => ({ podHash: event.podHash, route: 'initial' }),
                },
              ],
            },
            ...onNewVersion(),
            { guard: 'stepsChanged', actions: 'recordStepsHash' },
          ],
        },
        [Lifecycle.progressing]: {
          always: [
            ...onNewVersion(),
            ...onAbortRestartOrPromoteFull(),
            onRunFailed('step'),
            onRunFailed('background'),
            onRunInconclusive('step'),
            onRunInconclusive('background'),
            // Not held back by spec.paused: it is bookkeeping (the hold keeps the pods as they are),
            // and status with the index past the last step reads back as completing.
            { guard: 'stepsDone', target: Lifecycle.completing },
            {
              guard: and([not('heldByUser'), 'atPauseStep']),
              target: Lifecycle.paused,
              actions: [
                'startPause',
                {
                  type: 'pausedAtStep',
                  params: (args) => ({ index: args.context.stepIndex, until: pauseEnd(args) }),
                },
              ],
            },
            {
              guard: forward('stepRunSucceeded', 'stepPodsReady'),
              target: Lifecycle.progressing,
              reenter: true,
              actions: completeStep(),
            },
            {
              guard: forward('stepDone'),
              target: Lifecycle.progressing,
              reenter: true,
              actions: completeStep(),
            },
            ...onProgressDeadlineAbort(),
          ],
        },
        [Lifecycle.paused]: {
          exit: 'clearPause',
          always: [
            ...onNewVersion(),
            ...onAbortRestartOrPromoteFull(),
            // A pause step has no run of its own (an analysis step reached by a bumped index is
            // judged in `progressing`), but background analysis goes on.
            onRunFailed('background'),
            onRunInconclusive('background'),
            // Status says paused but the index has moved off the pause step: a second `promote`
            // bumps currentStepIndex while controllerPause is still set. Carry on from there.
            { guard: 'notAtPauseStep', target: Lifecycle.progressing },
            {
              guard: forward('pauseReleased'),
              target: Lifecycle.progressing,
              actions: [
                { type: 'pausePromoted', params: ({ context }) => ({ index: context.stepIndex }) },
                ...completeStep(),
              ],
            },
            {
              guard: forward('pauseElapsed'),
              target: Lifecycle.progressing,
              actions: [
                { type: 'pauseElapsed', params: ({ context }) => ({ index: context.stepIndex }) },
                ...completeStep(),
              ],
            },
          ],
        },
        [Lifecycle.inconclusive]: {
          exit: 'clearInconclusivePause',
          always: [
            ...onNewVersion(),
            ...onAbortRestartOrPromoteFull(),
            onRunFailed('step'),
            onRunFailed('background'),
            // Promoted (pause condition cleared, controllerPause left): an Inconclusive step run
            // counts as passed, an Inconclusive background run is accepted (the next attempt
            // gets a new one), and a pause step it interrupted is promoted too, as one promote
            // clears every pause condition.
            {
              guard: forward('inconclusiveReleased', 'stepRunInconclusive', 'backgroundRunInconclusive'),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), 'acceptBackground', ...completeStep()],
            },
            {
              guard: forward('inconclusiveReleased', 'stepRunInconclusive'),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), ...completeStep()],
            },
            {
              guard: forward('inconclusiveReleased', 'backgroundRunInconclusive', 'atPauseStep'),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), 'acceptBackground', ...completeStep()],
            },
            {
              guard: forward('inconclusiveReleased', 'backgroundRunInconclusive'),
              target: Lifecycle.progressing,
              actions: [inconclusivePromoted(), 'acceptBackground'],
            },
            // Promoted, but the run is gone: look again (a recreated run decides afresh).
            // At a lockstep limit the promote waits whole: none of these moves until it lifts.
            {
              guard: forward('inconclusiveReleased'),
              target: Lifecycle.progressing,
              actions: 'noteResume',
            },
          ],
        },
        [Lifecycle.completing]: {
          always: [
            ...onNewVersion(),
            ...onAbortRequested(),
            {
              guard: and(['stepsChanged', not('promoteFullRequested')]),
              target: Lifecycle.progressing,
              actions: restartSteps(),
            },
            {
              // With a router: all traffic on the canary first, then it becomes stable.
              guard: and([not('heldByUser'), 'canaryFullyAvailable', 'routerAtFull']),
              target: Lifecycle.healthy,
              actions: [
                'promoteToStable',
                {
                  type: 'rolloutCompleted',
                  params: ({ context }) => ({ podHash: context.currentPodHash ?? '' }),
                },
              ],
            },
            ...onProgressDeadlineAbort(),
          ],
        },
        [Lifecycle.aborted]: {
          always: [
            ...onNewVersion(),
            {
              guard: 'retryRequested',
              target: Lifecycle.progressing,
              actions: [
                'clearAbort',
                { type: 'rolloutRetried', params: {} },
                { type: 'stepStarted', params: { index: 0 } },
              ],
            },
            { guard: 'stepsChanged', actions: 'recordStepsHash' },
          ],
        },
      },
    },
  },
});

export type CanaryMachine = typeof canaryMachine;

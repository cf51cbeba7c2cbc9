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
import { and, not } from 'xstate';
import { holdRegion, machineFrame } from '../kernel/machine.ts';
import { BlueGreenLifecycle, INITIAL_CONTEXT, blueGreenSetup, postRun, preRun } from './machine-setup.ts';
import {
  complete,
  inconclusive,
  onAbortRequested,
  onNewVersion,
  onProgressDeadlineAbort,
  onRunFailed,
  promotedFull,
  promotedPast,
  restoreActive,
  switchActive,
} from './machine-transitions.ts';

export { Hold } from '../kernel/machine.ts';
export {
  BlueGreenLifecycle,
  INITIAL_CONTEXT,
  promotionRun,
  type BlueGreenContext,
  type BlueGreenObservation,
  type BlueGreenStateValue,
} from './machine-setup.ts';

const L = BlueGreenLifecycle;

export const blueGreenMachine = blueGreenSetup.createMachine({
  ...machineFrame('blueGreen', INITIAL_CONTEXT),
  on: { OBSERVE: { actions: 'noteReplicaProgress' } },
  states: {
    hold: holdRegion(['noteResume']),
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

export type BlueGreenMachine = typeof blueGreenMachine;

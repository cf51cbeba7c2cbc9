import { and, not } from 'xstate';
import type { AbortCause } from '../kernel/abort-cause.ts';
import { seenRun, verdictOf, type RunVerdict } from '../kernel/analysis-runs.ts';
import type { SwitchReason, VersionRoute } from './events.ts';
import {
  BlueGreenLifecycle,
  postRun,
  preRun,
  type Transition,
  type TransitionAction,
} from './machine-setup.ts';

const L = BlueGreenLifecycle;
const at = (lifecycle: BlueGreenLifecycle) => `#blueGreen.lifecycle.${lifecycle}`;

/**
 * The blue-green machine's transition lists shared by several lifecycle states. Order is priority: the first enabled
 * transition wins.
 */

/**
 * A new pod template: back to the stable version, on to the active one, or a new preview. The
 * active one can only differ from both where the active Service may be left on a version that
 * was cut short (not after a promotion nor an abort, which move it): `toActive` false there.
 */
export function onNewVersion(toActive = true): Transition[] {
  const detected = (route: VersionRoute): TransitionAction => ({
    type: 'versionDetected',
    params: ({ event }) => ({ podHash: event.podHash, route }),
  });
  return [
    {
      guard: 'newVersionIsStable',
      target: at(L.healthy),
      actions: ['recordNewVersion', detected('stable')],
    },
    ...(toActive
      ? [
          {
            // The version the active Service already selects (its post-promotion analysis was cut
            // short): it is judged again after the promotion, with a new attempt.
            guard: 'newVersionIsActive',
            target: at(L.postPromotion),
            actions: ['recordNewVersion', detected('active')],
          } satisfies Transition,
        ]
      : []),
    {
      guard: 'isNewVersion',
      target: at(L.preview),
      reenter: true,
      actions: ['recordNewVersion', detected('preview')],
    },
  ];
}

/** One guard of a blue-green transition. */
type Guard = NonNullable<Extract<Transition, { guard?: unknown }>['guard']>;

/**
 * Abort when `guard` holds: report why (with the failed run of `run`) and set status.abort, so
 * that retry works the same way whatever aborted.
 */
function abortOn(guard: Guard, cause: AbortCause, run?: 'prePromotion' | 'postPromotion'): Transition {
  return {
    guard,
    target: at(L.aborted),
    actions: [
      run === undefined
        ? { type: 'rolloutAborted', params: { cause } }
        : {
            type: 'rolloutAborted',
            params: (args) => ({
              cause,
              run: seenRun(run === 'prePromotion' ? preRun(args) : postRun(args), run),
            }),
          },
      'recordAbort',
    ],
  };
}

export function onAbortRequested(): Transition {
  return abortOn('abortRequested', 'operator');
}

/**
 * The active Service still selects a version that is neither stable nor promoted (a new version
 * arrived during the post-promotion analysis): back to the stable one, once all its pods are available.
 */
export function restoreActive(): Transition {
  return { guard: and(['activeNotStable', 'stableFullyAvailable']), actions: switchActive('stable', 'back') };
}

/** Point the active Service at the stable or the new version. */
export function switchActive(to: 'stable' | 'new', why: SwitchReason): TransitionAction[] {
  const toNew = to === 'new';
  return [
    {
      type: 'activeSwitched',
      params: ({ context }) => ({
        from: context.activeHash,
        to: (toNew ? context.currentPodHash : context.stableRS) ?? '',
        why,
      }),
    },
    toNew ? 'switchToNew' : 'switchToStable',
  ];
}

export function onRunFailed(kind: 'prePromotion' | 'postPromotion'): Transition {
  return abortOn(kind === 'prePromotion' ? 'preRunFailed' : 'postRunFailed', 'analysis', kind);
}

export function inconclusive(kind: 'prePromotion' | 'postPromotion'): TransitionAction {
  return {
    type: 'analysisInconclusive',
    params: (args) => ({ run: seenRun(kind === 'prePromotion' ? preRun(args) : postRun(args), kind) }),
  };
}

export function promotedPast(run: RunVerdict | undefined): { run?: RunVerdict } {
  return run && verdictOf(run) === 'inconclusive' ? { run } : {};
}

export function promotedFull(): TransitionAction[] {
  return [{ type: 'promotedFull', params: {} }, 'startPromotion'];
}

export function complete(): TransitionAction[] {
  return [
    'promoteToStable',
    {
      type: 'rolloutCompleted',
      params: ({ context }) => ({ podHash: context.currentPodHash ?? '' }),
    },
  ];
}

/** A stalled preview or promotion rolls back (progressDeadlineAbort); never while an analysis decides. */
export function onProgressDeadlineAbort(mayWaitForAnalysis: boolean): Transition {
  return abortOn(
    mayWaitForAnalysis
      ? and([not('heldByUser'), not('waitingForPreAnalysis'), 'progressDeadlineAbort'])
      : and([not('heldByUser'), 'progressDeadlineAbort']),
    'progressDeadline',
  );
}

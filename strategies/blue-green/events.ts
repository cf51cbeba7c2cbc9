/**
 * The blue-green machine's effects as Kubernetes Events. Effects only exist on transitions, so a
 * reconcile that changes nothing emits nothing. Pure.
 */
import { describeAbortCause, type AbortCause } from '../kernel/abort-cause.ts';
import { describeRun, type RunVerdict } from '../kernel/analysis-runs.ts';
import { effect, effectsIn, type EffectOf } from '../kernel/effects.ts';
import { holdEffects } from '../kernel/machine.ts';
import {
  holdEvent,
  completedEvent,
  initialVersionMessage,
  normalEvent as normal,
  warningEvent as warning,
} from '../kernel/rollout-events.ts';
import type { BlueGreenSettings } from './settings.ts';
import { toIso } from '../kernel/time.ts';
import type { RolloutEvent } from '../types.ts';

export type VersionRoute = 'initial' | 'stable' | 'active' | 'preview';
export type SwitchReason = 'initial' | 'promotion' | 'back';

/** What the blue-green machine reports, one effect per thing that happened (see kernel/effects.ts). */
export const blueGreenEffects = {
  versionDetected: effect<{ podHash: string; route: VersionRoute }>(),
  activeSwitched: effect<{ from: string | undefined; to: string; why: SwitchReason }>(),
  pausedForPromotion: effect<{ until: number | undefined }>(),
  pausePromoted: effect<{ run?: RunVerdict }>(),
  autoPromoted: effect(),
  promotedFull: effect(),
  rolloutCompleted: effect<{ podHash: string }>(),
  rolloutAborted: effect<{ cause: AbortCause; run?: RunVerdict }>(),
  analysisInconclusive: effect<{ run: RunVerdict }>(),
  rolloutRetried: effect(),
  ...holdEffects,
};
export type BlueGreenEffect = EffectOf<typeof blueGreenEffects>;

/** The effects among the actions `transition()` returned (assignments are not effects). */
export const blueGreenEffectsOf = effectsIn(blueGreenEffects);

export function blueGreenEvents(
  effects: readonly BlueGreenEffect[],
  settings: BlueGreenSettings,
): RolloutEvent[] {
  return effects.map((effect) => eventFor(effect, settings));
}

function eventFor(effect: BlueGreenEffect, settings: BlueGreenSettings): RolloutEvent {
  switch (effect.type) {
    case 'versionDetected':
      return normal('RolloutUpdated', versionMessage(effect.params));
    case 'activeSwitched': {
      const { from, to, why } = effect.params;
      const service = `Service "${settings.activeService}"`;
      const how = from === undefined ? `now selects ${to}` : `switched from ${from} to ${to}`;
      const because = { initial: '', promotion: ' (promotion)', back: ' (back to the stable version)' }[why];
      return normal('ActiveServiceSwitched', `Active ${service} ${how}${because}`);
    }
    case 'pausedForPromotion': {
      const { until } = effect.params;
      return normal(
        'RolloutPaused',
        `Rollout paused before the switch of the active Service ${until === undefined ? 'until promoted' : `until ${toIso(until)} (autoPromotionSeconds)`}`,
      );
    }
    case 'pausePromoted':
      return normal(
        'RolloutPromoted',
        effect.params.run
          ? `Rollout promoted past Inconclusive ${describeRun(effect.params.run)}`
          : 'Rollout promoted: switching the active Service once the new version is fully available',
      );
    case 'autoPromoted':
      return normal('RolloutResumed', 'autoPromotionSeconds elapsed: promoting');
    case 'promotedFull':
      return normal('RolloutPromoted', 'Rollout fully promoted: skipping the remaining analysis and pauses');
    case 'rolloutCompleted':
      return completedEvent(effect.params.podHash, settings.replicas);
    case 'rolloutAborted':
      return warning(
        'RolloutAborted',
        `Rollout aborted: ${describeAbortCause(effect.params, settings.progressDeadlineMs)}; the active Service goes back to the stable version`,
      );
    case 'analysisInconclusive':
      return warning(
        'RolloutPaused',
        `Rollout paused: ${describeRun(effect.params.run)}; promote to continue or abort`,
      );
    case 'rolloutRetried':
      return normal('RolloutRetried', 'Rollout retried: previewing the new version again');
    case 'pausedByUser':
    case 'resumedByUser':
      return holdEvent(effect.type);
  }
}

function versionMessage(params: Extract<BlueGreenEffect, { type: 'versionDetected' }>['params']): string {
  switch (params.route) {
    case 'initial':
      return initialVersionMessage(params.podHash);
    case 'stable':
      return `Back to stable version ${params.podHash}: nothing to preview`;
    case 'active':
      return `Version ${params.podHash} is the one the active Service selects: judging it after promotion again`;
    case 'preview':
      return `New version ${params.podHash} detected: starting the blue-green preview`;
  }
}

/**
 * The machine's effects as Kubernetes Events. Effects only exist on transitions, so a reconcile
 * that changes nothing emits nothing. Pure.
 */
import { describeAbortCause, type AbortCause } from '../kernel/abort-cause.ts';
import { effect, effectsIn, type EffectOf } from '../kernel/effects.ts';
import { holdEffects } from '../kernel/machine.ts';
import { holdEvent, completedEvent, initialVersionMessage } from '../kernel/rollout-events.ts';
import type { CanarySettings } from './settings.ts';
import { stepLabel } from './steps.ts';
import { toIso } from '../kernel/time.ts';
import { describeRun, type RunVerdict } from '../kernel/analysis-runs.ts';
import type { RolloutEvent } from '../types.ts';

/** How a new version is handled. */
export type VersionRoute = 'initial' | 'steps' | 'stable' | 'rollbackWindow';

/** What the canary machine reports, one effect per thing that happened (see kernel/effects.ts). */
export const canaryEffects = {
  versionDetected: effect<{ podHash: string; route: VersionRoute }>(),
  stepsChanged: effect<{ stepsHash: string }>(),
  stepStarted: effect<{ index: number }>(),
  stepCompleted: effect<{ index: number }>(),
  pausedAtStep: effect<{ index: number; until: number | undefined }>(),
  pauseElapsed: effect<{ index: number }>(),
  pausePromoted: effect<{ index: number }>(),
  promotedFull: effect<{ index: number }>(),
  rolloutCompleted: effect<{ podHash: string }>(),
  rolloutAborted: effect<{ index: number; cause: AbortCause; run?: RunVerdict }>(),
  analysisInconclusive: effect<{ index: number; run: RunVerdict }>(),
  inconclusivePromoted: effect<{ index: number; runs: RunVerdict[] }>(),
  rolloutRetried: effect(),
  ...holdEffects,
};
export type CanaryEffect = EffectOf<typeof canaryEffects>;

/** The effects among the actions `transition()` returned (assignments are not effects). */
export const effectsOf = effectsIn(canaryEffects);

export function canaryEvents(effects: readonly CanaryEffect[], settings: CanarySettings): RolloutEvent[] {
  const events: RolloutEvent[] = [];
  const step = (index: number): string => stepLabel(settings.steps, index);
  const normal = (reason: string, message: string): void => {
    events.push({ type: 'Normal', reason, message });
  };
  for (const effect of effects) {
    switch (effect.type) {
      case 'versionDetected':
        normal('RolloutUpdated', versionMessage(effect.params, settings));
        break;
      case 'stepsChanged':
        normal('RolloutUpdated', 'Canary steps changed: restarting at step 1');
        break;
      case 'stepStarted':
        // Moving past the last step starts no step: the promotion to full follows.
        if (effect.params.index < settings.steps.length)
          normal('RolloutStepStarted', `${step(effect.params.index)} started`);
        break;
      case 'stepCompleted':
        normal('RolloutStepCompleted', `${step(effect.params.index)} completed`);
        break;
      case 'pausedAtStep': {
        const until = effect.params.until;
        normal(
          'RolloutPaused',
          `Rollout paused at ${step(effect.params.index)}` +
            (until === undefined ? ' until promoted' : ` until ${toIso(until)}`),
        );
        break;
      }
      case 'pauseElapsed':
        normal('RolloutResumed', `Pause at ${step(effect.params.index)} elapsed`);
        break;
      case 'pausePromoted':
        normal('RolloutPromoted', `Rollout promoted past ${step(effect.params.index)}`);
        break;
      case 'promotedFull':
        normal(
          'RolloutPromoted',
          `Rollout fully promoted at ${step(effect.params.index)}: skipping the remaining steps`,
        );
        break;
      case 'rolloutCompleted':
        events.push(completedEvent(effect.params.podHash, settings.replicas));
        break;
      case 'rolloutAborted':
        events.push({
          type: 'Warning',
          reason: 'RolloutAborted',
          message: `Rollout aborted at ${step(effect.params.index)}: ${describeAbortCause(effect.params, settings.progressDeadlineMs)}; going back to the stable version`,
        });
        break;
      case 'analysisInconclusive':
        events.push({
          type: 'Warning',
          reason: 'RolloutPaused',
          message: `Rollout paused at ${step(effect.params.index)}: ${describeRun(effect.params.run)}; promote to continue or abort`,
        });
        break;
      case 'inconclusivePromoted': {
        const runs = effect.params.runs.map((run) => run.name).join(', ');
        normal(
          'RolloutPromoted',
          `Rollout promoted at ${step(effect.params.index)} past ` +
            (runs === '' ? 'an Inconclusive analysis run' : `Inconclusive analysis run ${runs}`),
        );
        break;
      }
      case 'rolloutRetried':
        normal('RolloutRetried', 'Rollout retried: restarting at step 1');
        break;
      case 'pausedByUser':
      case 'resumedByUser':
        events.push(holdEvent(effect.type));
        break;
    }
  }
  return events;
}

function versionMessage(
  params: Extract<CanaryEffect, { type: 'versionDetected' }>['params'],
  settings: CanarySettings,
): string {
  switch (params.route) {
    case 'initial':
      return initialVersionMessage(params.podHash);
    case 'stable':
      return `Back to stable version ${params.podHash}: no steps needed`;
    case 'rollbackWindow':
      return `Version ${params.podHash} is within the rollback window (${settings.rollbackWindowRevisions} revisions): skipping the steps`;
    case 'steps':
      return `New version ${params.podHash} detected: starting the canary (${settings.steps.length} steps)`;
  }
}

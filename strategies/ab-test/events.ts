/**
 * The A/B machine's effects, declared once (see kernel/effects.ts), and the Kubernetes Events they
 * become. Effects exist only on transitions, so a reconcile that changes nothing emits nothing. Pure.
 */
import { describeRun, type RunVerdict } from '../kernel/analysis-runs.ts';
import { effect, effectsIn, type EffectOf } from '../kernel/effects.ts';
import { holdEffects } from '../kernel/machine.ts';
import { normalEvent as normal, warningEvent as warning } from '../kernel/rollout-events.ts';
import { toIso } from '../kernel/time.ts';
import type { RolloutEvent } from '../types.ts';
import { abStepLabel, type AbDecisionValue, type AbTestSettings } from './settings.ts';

export type DecisionCause = 'comparison' | 'stepAnalysis' | 'noComparison' | 'operator';

/** What the A/B machine reports, one effect per thing that happened. */
export const abEffects = {
  testStarted: effect<{ a: string; b: string }>(),
  stepCompleted: effect<{ index: number }>(),
  pausedAtStep: effect<{ index: number; until: number | undefined }>(),
  decided: effect<{ decision: AbDecisionValue; cause: DecisionCause; run?: RunVerdict }>(),
  rolloutCompleted: effect<{ podHash: string }>(),
  rolloutRetried: effect(),
  ...holdEffects,
};
export type AbEffect = EffectOf<typeof abEffects>;

/** The effects among the actions `transition()` returned (assignments are not effects). */
export const abEffectsOf = effectsIn(abEffects);

const CAUSE_TEXT: Record<Exclude<DecisionCause, 'comparison' | 'stepAnalysis'>, string> = {
  noComparison: 'the steps are done and no comparison analysis is configured',
  operator: 'by an operator',
};

export function abEvents(effects: readonly AbEffect[], settings: AbTestSettings): RolloutEvent[] {
  return effects.map((effect): RolloutEvent => {
    switch (effect.type) {
      case 'testStarted':
        return normal(
          'AbTestStarted',
          `A/B test started: A ${settings.names.a} (${effect.params.a}) vs B ${settings.names.b} (${effect.params.b}), split up to ${100 - settings.finalB}/${settings.finalB}`,
        );
      case 'stepCompleted':
        return normal(
          'RolloutStepCompleted',
          `${abStepLabel(settings.steps, effect.params.index)} completed`,
        );
      case 'pausedAtStep':
        return normal(
          'RolloutPaused',
          `${abStepLabel(settings.steps, effect.params.index)}: paused ${effect.params.until === undefined ? 'until promoted' : `until ${toIso(effect.params.until)}`}`,
        );
      case 'decided': {
        const { decision, cause, run } = effect.params;
        const why = run ? describeRun(run) : CAUSE_TEXT[cause as keyof typeof CAUSE_TEXT];
        const message = `Decision ${decision}: ${why}`;
        return decision === 'KeepA' ? warning('AbTestDecision', message) : normal('AbTestDecision', message);
      }
      case 'rolloutCompleted':
        return normal('RolloutCompleted', `B ${effect.params.podHash} is the stable version`);
      case 'rolloutRetried':
        return normal('RolloutRetried', 'A/B test retried: steps start over with new analysis runs');
      case 'pausedByUser':
        return normal('RolloutPaused', 'Paused by user (spec.paused)');
      case 'resumedByUser':
        return normal('RolloutResumed', 'Resumed by user');
    }
  });
}

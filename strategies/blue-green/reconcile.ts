/**
 * The blue-green strategy: observe -> build one event -> transition the machine -> decide.
 * Pure: the same input gives the same decision; `input.now` is the only clock.
 *
 * Selectors (StrategyDecision.selectors): `stable` = the active Service, `canary` = the preview
 * Service. The active one only changes in one decision at a time, to a fully available version
 * (see machine.ts), and the shell writes it as one patch of the Service.
 */
import { transition } from 'xstate';
import { blueGreenAnalysis } from './analysis.ts';
import { blueGreenEffectsOf, blueGreenEvents } from './events.ts';
import { Hold, BlueGreenLifecycle, blueGreenMachine } from './machine.ts';
import { observeBlueGreen } from './observation.ts';
import { blueGreenScaling } from './scaling.ts';
import { blueGreenSettings, type BlueGreenSettings } from './settings.ts';
import { resolveBlueGreenSnapshot } from './snapshot.ts';
import {
  blueGreenSelectors,
  blueGreenStatus,
  isAdvancing,
  progressDeadlineExceeded,
  type BlueGreenOutcome,
} from './status.ts';
import { withRequeue } from '../kernel/timer.ts';
import type { StrategyDecision, StrategyInput } from '../types.ts';

/** One reconcile of a blue-green Rollout. Throws `InvalidSpecError` (naming the field). */
export function reconcileBlueGreen(input: StrategyInput): StrategyDecision {
  const settings = blueGreenSettings(input.spec);
  const before = resolveBlueGreenSnapshot(input);
  const [after, actions] = transition(blueGreenMachine, before, observeBlueGreen(input, settings));
  const outcome: BlueGreenOutcome = { value: after.value, context: after.context };

  const scaling = blueGreenScaling(input, settings, outcome.value, outcome.context);
  const analysis = blueGreenAnalysis(input, settings, outcome.value.lifecycle, outcome.context);
  const decision: StrategyDecision = {
    replicaSets: scaling.replicaSets,
    scaleDownDeadlines: scaling.scaleDownDeadlines,
    selectors: blueGreenSelectors(outcome),
    status: blueGreenStatus(input, settings, outcome, analysis),
    events: blueGreenEvents(blueGreenEffectsOf(actions), settings),
    analysisRuns: analysis.requests,
  };
  return withRequeue(decision, input.now, timersDue(input, settings, outcome, scaling.nextDeadline));
}

/** The pending timers (auto-promotion, scale-down deadline, progress deadline), as epoch ms. */
function timersDue(
  input: StrategyInput,
  settings: BlueGreenSettings,
  outcome: BlueGreenOutcome,
  nextDeadline: number | undefined,
): number[] {
  const { value, context } = outcome;
  const due: number[] = [];
  if (nextDeadline !== undefined) due.push(nextDeadline);
  const auto = settings.autoPromotion;
  if (
    value.lifecycle === BlueGreenLifecycle.paused &&
    value.hold === Hold.running &&
    auto.kind === 'timed' &&
    context.pauseStartedAt !== undefined
  ) {
    due.push(context.pauseStartedAt + auto.ms);
  }
  if (isAdvancing(input, settings, outcome) && !progressDeadlineExceeded(input, settings, outcome)) {
    due.push(context.lastProgressAt + settings.progressDeadlineMs);
  }
  return due;
}

import type { DecisionCause } from './events.ts';
import { AbLifecycle, verdictDecision, type Transition, type TransitionAction } from './machine-setup.ts';
import type { AbDecisionValue } from './settings.ts';

const L = AbLifecycle;
const at = (lifecycle: AbLifecycle) => `#abTest.lifecycle.${lifecycle}`;

/**
 * The A/B machine's transition lists shared by several lifecycle states. Order is priority: the first enabled
 * transition wins.
 */

/** A new pod template: back to A (the stable version) ends the test, anything else starts one. */
export function onNewVersion(): Transition[] {
  return [
    { guard: 'newVersionIsStable', target: at(L.healthy), actions: 'recordNewVersion' },
    {
      guard: 'isNewVersion',
      target: at(L.testing),
      reenter: true,
      actions: [
        'recordNewVersion',
        {
          type: 'testStarted',
          params: ({ context }) => ({ a: context.stableRS ?? '', b: context.currentPodHash ?? '' }),
        },
      ],
    },
  ];
}

/** `status.abort` by an operator: keep A. */
export function onAbortRequested(): Transition {
  return {
    guard: 'abortRequested',
    target: at(L.keptA),
    actions: ['chooseKeepA', decided('KeepA', 'operator')],
  };
}

/** An analysis verdict decides, per `decision` (even under spec.paused: the evidence is in). */
export function onVerdict(): Transition[] {
  const byVerdict = (decision: AbDecisionValue): TransitionAction => ({
    type: 'decided',
    params: (args) => {
      const found = verdictDecision(args);
      return found ? { decision, cause: found.cause, run: found.run } : { decision, cause: 'comparison' };
    },
  });
  return [
    {
      guard: { type: 'decides', params: { decision: 'KeepA' } },
      target: at(L.keptA),
      actions: ['chooseKeepA', byVerdict('KeepA')],
    },
    {
      guard: { type: 'decides', params: { decision: 'Wait' } },
      target: at(L.waiting),
      actions: ['startWait', byVerdict('Wait')],
    },
    {
      guard: { type: 'decides', params: { decision: 'PromoteB' } },
      target: at(L.promotingB),
      actions: ['choosePromoteB', byVerdict('PromoteB')],
    },
  ];
}

/** `promote --full` by an operator: B now, whatever the steps and analyses say. */
export function onPromoteFull(): Transition {
  return {
    guard: 'promoteFullRequested',
    target: at(L.promotingB),
    actions: ['choosePromoteB', decided('PromoteB', 'operator')],
  };
}

export function decided(decision: AbDecisionValue, cause: DecisionCause): TransitionAction {
  return { type: 'decided', params: { decision, cause } };
}

export function completeStep(): TransitionAction {
  return { type: 'stepCompleted', params: ({ context }) => ({ index: context.stepIndex }) };
}

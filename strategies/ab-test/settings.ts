/**
 * `spec.strategy.abTest` with its defaults applied and validated once per reconcile. Pure;
 * throws `InvalidSpecError` naming the field.
 *
 * Splits are B's share in percent (A's is the rest). Before the first setSplit step B gets no
 * traffic (its one pod waits); with no setSplit step at all B gets `split.b` from the start; once
 * the steps are done the test runs at `split`.
 */
import { parseDurationMs } from '../kernel/duration.ts';
import { InvalidSpecError } from '../kernel/invalid-spec.ts';
import { desiredReplicas, progressDeadlineMs, secondsToMs } from '../kernel/rollout-settings.ts';
import { stepsHash } from '../kernel/step-hash.ts';
import type { AbTestStrategySpec, AnalysisRunRequest, RolloutSpecView } from '../types.ts';

export const DEFAULT_AB_SCALE_DOWN_DELAY_SECONDS = 30;
const FIELD = 'spec.strategy.abTest';

export type AbStep =
  | { kind: 'setSplit'; b: number }
  | { kind: 'pause'; ms: number | undefined }
  | { kind: 'analysis'; templates: AnalysisRunRequest['templates']; args?: unknown[] };

export type AbDecisionValue = 'PromoteB' | 'KeepA' | 'Wait';

export interface AbDecisionRules {
  onSuccess: 'PromoteB' | 'Wait';
  onFailure: 'KeepA' | 'Wait';
  onInconclusive: AbDecisionValue;
}

export interface AbTestSettings {
  replicas: number;
  steps: AbStep[];
  stepsHash: string;
  /** B's share (percent) once the steps are done. */
  finalB: number;
  names: { a: string; b: string };
  comparison?: { templates: AnalysisRunRequest['templates']; args?: unknown[]; startingStep: number };
  rules: AbDecisionRules;
  scaleDownDelayMs: number;
  progressDeadlineMs: number;
  stickiness: AbTestStrategySpec['stickiness'];
}

export function abTestSettings(spec: RolloutSpecView): AbTestSettings {
  const abTest = spec.strategy.abTest;
  if (abTest === undefined) throw new InvalidSpecError(FIELD, 'is not set');
  const finalB = checkSplit(abTest.split, `${FIELD}.split`);
  const rawSteps = abTest.steps ?? [];
  const steps = rawSteps.map((step, index) => abStep(step, `${FIELD}.steps[${index}]`, finalB));
  const { cookie, header } = abTest.stickiness;
  if ((cookie === undefined) === (header === undefined)) {
    throw new InvalidSpecError(`${FIELD}.stickiness`, 'set exactly one of cookie, header');
  }
  const background = abTest.analysis;
  const startingStep = background?.startingStep ?? 0;
  if (background !== undefined && steps.length > 0 && startingStep >= steps.length) {
    throw new InvalidSpecError(
      `${FIELD}.analysis.startingStep`,
      `must be less than the number of steps (${steps.length})`,
    );
  }
  return {
    replicas: desiredReplicas(spec),
    steps,
    stepsHash: stepsHash(rawSteps),
    finalB,
    names: { a: abTest.variants.a.name ?? 'A', b: abTest.variants.b.name ?? 'B' },
    ...(background === undefined
      ? {}
      : {
          comparison: {
            templates: background.templates,
            ...(background.args === undefined ? {} : { args: background.args }),
            startingStep,
          },
        }),
    rules: {
      onSuccess: abTest.decision?.onSuccess ?? 'PromoteB',
      onFailure: abTest.decision?.onFailure ?? 'KeepA',
      onInconclusive: abTest.decision?.onInconclusive ?? 'Wait',
    },
    scaleDownDelayMs: secondsToMs(
      abTest.scaleDownDelaySeconds,
      DEFAULT_AB_SCALE_DOWN_DELAY_SECONDS,
      `${FIELD}.scaleDownDelaySeconds`,
    ),
    progressDeadlineMs: progressDeadlineMs(spec),
    stickiness: abTest.stickiness,
  };
}

function checkSplit(split: { a: number; b: number }, field: string): number {
  const whole = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!whole(split.a) || !whole(split.b) || split.a + split.b !== 100) {
    throw new InvalidSpecError(
      field,
      `a and b must be whole percentages adding up to 100, got ${split.a}/${split.b}`,
    );
  }
  return split.b;
}

function abStep(
  step: NonNullable<AbTestStrategySpec['steps']>[number],
  field: string,
  finalB: number,
): AbStep {
  if (step.setSplit !== undefined) {
    const b = checkSplit(step.setSplit, `${field}.setSplit`);
    if (b > finalB) throw new InvalidSpecError(`${field}.setSplit.b`, `must not exceed split.b (${finalB})`);
    return { kind: 'setSplit', b };
  }
  if (step.pause !== undefined) {
    const duration = step.pause.duration;
    return {
      kind: 'pause',
      ms: duration === undefined ? undefined : parseDurationMs(duration, `${field}.pause.duration`),
    };
  }
  if (step.analysis !== undefined) {
    return {
      kind: 'analysis',
      templates: step.analysis.templates,
      ...(step.analysis.args === undefined ? {} : { args: step.analysis.args }),
    };
  }
  throw new InvalidSpecError(field, 'set exactly one of setSplit, pause, analysis');
}

/**
 * B's share (percent) the test aims at while executing step `index` (= steps.length once done):
 * the last setSplit at or before it, 0 before the first one, `finalB` without any or when done.
 */
export function targetShareB(settings: Pick<AbTestSettings, 'steps' | 'finalB'>, index: number): number {
  const { steps, finalB } = settings;
  if (index >= steps.length || !steps.some((step) => step.kind === 'setSplit')) return finalB;
  let share = 0;
  for (const step of steps.slice(0, index + 1)) if (step.kind === 'setSplit') share = step.b;
  return share;
}

/** Pods a variant needs for `share` percent of the traffic: in proportion, at least one. */
export function podsForShare(replicas: number, share: number): number {
  if (replicas === 0) return 0;
  return Math.max(1, Math.ceil((replicas * share) / 100));
}

/** `Step 2/5 (setSplit 80/20)` for events and messages. */
export function abStepLabel(steps: readonly AbStep[], index: number): string {
  const step = steps[index];
  const what =
    step === undefined
      ? 'done'
      : step.kind === 'setSplit'
        ? `setSplit ${100 - step.b}/${step.b}`
        : step.kind === 'pause'
          ? 'pause'
          : 'analysis';
  return `Step ${index + 1}/${steps.length} (${what})`;
}

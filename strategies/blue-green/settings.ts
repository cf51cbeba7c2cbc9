/**
 * The blue-green spec resolved once per reconcile: defaults applied (Argo Rollouts' defaults),
 * every field the strategy uses validated, so a bad value fails the reconcile with a named field.
 * Pure.
 */
import { InvalidSpecError } from '../kernel/invalid-spec.ts';
import { desiredReplicas, progressDeadlineMs, secondsToMs } from '../kernel/rollout-settings.ts';
import type { BlueGreenStrategySpec, RolloutSpecView } from '../types.ts';

export const DEFAULT_BLUE_GREEN_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_BLUE_GREEN_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;

export type BlueGreenAnalysis = NonNullable<BlueGreenStrategySpec['prePromotionAnalysis']>;

/**
 * When the new version is switched to once it is ready (and its pre-promotion analysis passed):
 * at once (autoPromotionEnabled, the default), after a timed pause (autoPromotionSeconds > 0), or
 * when promoted (autoPromotionEnabled: false, which ignores autoPromotionSeconds as Argo does).
 */
export type AutoPromotion = { kind: 'immediate' } | { kind: 'timed'; ms: number } | { kind: 'manual' };

export interface BlueGreenSettings {
  replicas: number;
  /** Pods of the new version before promotion (previewReplicaCount, default spec.replicas). */
  previewReplicas: number;
  autoPromotion: AutoPromotion;
  /** How long the previous version keeps its pods after the rollout completed. */
  scaleDownDelayMs: number;
  /** How long an aborted new version keeps its pods; null = kept (abortScaleDownDelaySeconds 0). */
  abortScaleDownDelayMs: number | null;
  prePromotionAnalysis: BlueGreenAnalysis | undefined;
  postPromotionAnalysis: BlueGreenAnalysis | undefined;
  progressDeadlineMs: number;
  progressDeadlineAbort: boolean;
  activeService: string;
}

const FIELD = 'spec.strategy.blueGreen';

export function blueGreenSettings(spec: RolloutSpecView): BlueGreenSettings {
  const blueGreen = spec.strategy.blueGreen;
  if (blueGreen === undefined) throw new InvalidSpecError(FIELD, 'is required for the blue-green strategy');
  const replicas = desiredReplicas(spec);
  const abortMs = secondsToMs(
    blueGreen.abortScaleDownDelaySeconds,
    DEFAULT_BLUE_GREEN_ABORT_SCALE_DOWN_DELAY_SECONDS,
    `${FIELD}.abortScaleDownDelaySeconds`,
  );
  return {
    replicas,
    previewReplicas: previewReplicas(blueGreen, replicas),
    autoPromotion: autoPromotion(blueGreen),
    scaleDownDelayMs: secondsToMs(
      blueGreen.scaleDownDelaySeconds,
      DEFAULT_BLUE_GREEN_SCALE_DOWN_DELAY_SECONDS,
      `${FIELD}.scaleDownDelaySeconds`,
    ),
    abortScaleDownDelayMs: abortMs === 0 ? null : abortMs,
    prePromotionAnalysis: blueGreen.prePromotionAnalysis,
    postPromotionAnalysis: blueGreen.postPromotionAnalysis,
    progressDeadlineMs: progressDeadlineMs(spec),
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    activeService: blueGreen.activeService,
  };
}

function previewReplicas(blueGreen: BlueGreenStrategySpec, replicas: number): number {
  const count = blueGreen.previewReplicaCount ?? replicas;
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidSpecError(
      `${FIELD}.previewReplicaCount`,
      `must be a non-negative integer, got ${count}`,
    );
  }
  return count;
}

function autoPromotion(blueGreen: BlueGreenStrategySpec): AutoPromotion {
  if (blueGreen.autoPromotionEnabled === false) return { kind: 'manual' };
  const ms = secondsToMs(blueGreen.autoPromotionSeconds, 0, `${FIELD}.autoPromotionSeconds`);
  return ms > 0 ? { kind: 'timed', ms } : { kind: 'immediate' };
}

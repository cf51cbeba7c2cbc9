/**
 * Ephemeral pod metadata (Argo Rollouts' canaryMetadata / stableMetadata, previewMetadata /
 * activeMetadata): labels and annotations a ReplicaSet's pods carry while that version plays a
 * role, and lose when the role moves (the canary becomes stable, the preview becomes active).
 * Decided from the status the strategy has just decided, so a promotion moves them in the same
 * reconcile. Pure; the shell puts the result on each ReplicaSet's pod template and its pods.
 */
import type { PodMetadataView, RolloutSpecView, RolloutStatusView } from '../types.ts';

export interface EphemeralMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const NONE: EphemeralMetadata = { labels: {}, annotations: {} };

/** The ephemeral metadata each hash's pods should carry now (empty for a ReplicaSet with no role). */
export function ephemeralMetadataByHash(
  spec: RolloutSpecView,
  status: RolloutStatusView,
  hashes: readonly string[],
): Record<string, EphemeralMetadata> {
  const roles = roleMetadata(spec, status);
  return Object.fromEntries(hashes.map((hash) => [hash, roles.get(hash) ?? NONE]));
}

/** Whether the Rollout declares any ephemeral metadata (else the shell does nothing at all). */
export function declaresEphemeralMetadata(spec: RolloutSpecView): boolean {
  const { canary, blueGreen } = spec.strategy;
  return [
    canary?.canaryMetadata,
    canary?.stableMetadata,
    blueGreen?.previewMetadata,
    blueGreen?.activeMetadata,
  ].some((metadata) => metadata !== undefined);
}

function roleMetadata(spec: RolloutSpecView, status: RolloutStatusView): Map<string, EphemeralMetadata> {
  const roles = new Map<string, EphemeralMetadata>();
  const { canary, blueGreen } = spec.strategy;
  const current = status.currentPodHash;
  if (canary !== undefined) {
    const stable = status.stableRS;
    if (stable !== undefined) roles.set(stable, of(canary.stableMetadata));
    if (current !== undefined && current !== stable) roles.set(current, of(canary.canaryMetadata));
  } else if (blueGreen !== undefined) {
    const active = status.blueGreen?.activeSelector;
    if (active !== undefined) roles.set(active, of(blueGreen.activeMetadata));
    if (current !== undefined && current !== active) roles.set(current, of(blueGreen.previewMetadata));
  }
  return roles;
}

function of(metadata: PodMetadataView | undefined): EphemeralMetadata {
  return { labels: { ...metadata?.labels }, annotations: { ...metadata?.annotations } };
}

/**
 * The merge patch that takes metadata from `applied` (what the controller put there before) to
 * `wanted`: new and changed keys set, keys no longer wanted removed (null). Undefined when equal.
 * Keys the controller never wrote are not touched.
 */
export function ephemeralMetadataPatch(
  applied: EphemeralMetadata,
  wanted: EphemeralMetadata,
): { labels?: Record<string, string | null>; annotations?: Record<string, string | null> } | undefined {
  const labels = diff(applied.labels, wanted.labels);
  const annotations = diff(applied.annotations, wanted.annotations);
  if (labels === undefined && annotations === undefined) return undefined;
  return { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}

function diff(
  before: Record<string, string>,
  after: Record<string, string>,
): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(after)) if (before[key] !== value) patch[key] = value;
  for (const key of Object.keys(before)) if (!(key in after)) patch[key] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

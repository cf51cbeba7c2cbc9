/**
 * `status.currentStepHash`: a short, stable fingerprint of the canary steps, so that editing the
 * steps in the middle of a rollout is noticed and the rollout restarts at step 0. Pure.
 */

import { canonicalJson } from './canonical-json.ts';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-16 code units of `text`, as an unsigned integer. */
export function fnv1a32Value(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/** `fnv1a32Value` as 8 lowercase hex digits. */
export function fnv1a32(text: string): string {
  return fnv1a32Value(text).toString(16).padStart(8, '0');
}

/** The step hash written to `status.currentStepHash`. */
export function stepsHash(steps: readonly unknown[]): string {
  return fnv1a32(canonicalJson(steps));
}

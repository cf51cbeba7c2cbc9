/**
 * `status.currentStepHash`: a short, stable fingerprint of the canary steps, so that editing the
 * steps in the middle of a rollout is noticed and the rollout restarts at step 0. Pure.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-16 code units of `text`, as 8 lowercase hex digits. */
export function fnv1a32(text: string): string {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * JSON with object keys sorted, so that the same steps written with keys in another order
 * (YAML from Git, JSON from kubectl) hash the same. `undefined` members are dropped like
 * `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
  }
  // JSON.stringify gives undefined for functions and symbols (typed as string, it is not always).
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'null';
}

/** The step hash written to `status.currentStepHash`. */
export function stepsHash(steps: readonly unknown[]): string {
  return fnv1a32(canonicalJson(steps));
}

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`, or undefined when they are
 * equal. Removed keys become `null`; arrays and scalars are replaced whole. Used for status
 * writes, so a reconcile that changes nothing sends nothing, and one that changes a field sends
 * only that field.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function mergePatch(before: unknown, after: unknown): Record<string, unknown> | undefined {
  if (!isObject(before) || !isObject(after)) {
    throw new Error('mergePatch compares two objects');
  }
  const patch = diffObjects(before, after);
  return Object.keys(patch).length === 0 ? undefined : patch;
}

function diffObjects(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && after[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const old = before[key];
    if (isObject(value) && isObject(old)) {
      const nested = diffObjects(old, value);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    } else if (!deepEqual(old, value)) {
      patch[key] = value;
    }
  }
  return patch;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    return keysA.length === keysB.length && keysA.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

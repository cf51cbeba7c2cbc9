/**
 * Reading an int-or-string field that must hold a whole number: Argo Rollouts types metric
 * limits (`count`, `failureLimit`, `inconclusiveLimit`, `consecutiveErrorLimit`,
 * `consecutiveSuccessLimit`) as IntOrString so a template can write `failureLimit:
 * "{{args.failures}}"`. After argument substitution the value must be an integer; anything else
 * is an error naming the field. Pure; reusable wherever an IntOrString must become an integer.
 */

/** Parse outcome: the integer, or a problem (without the field name; callers prefix it). */
export type IntParse =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

const INTEGER = /^[+-]?\d+$/;
const PLACEHOLDER = /\{\{[^{}]*\}\}/;

/**
 * The integer an int-or-string holds: a number that is an integer, or a string of decimal digits
 * (optionally signed, surrounding spaces allowed). `min` rejects smaller values.
 */
export function parseIntOrString(value: number | string, min = Number.MIN_SAFE_INTEGER): IntParse {
  const parsed = typeof value === 'number' ? value : INTEGER.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(parsed)) {
    const shown = typeof value === 'string' ? `"${value}"` : String(value);
    const hint =
      typeof value === 'string' && PLACEHOLDER.test(value)
        ? ' (an argument placeholder left unresolved)'
        : '';
    return { ok: false, error: `must be an integer, got ${shown}${hint}` };
  }
  if (parsed < min) return { ok: false, error: `must be at least ${min}, got ${parsed}` };
  return { ok: true, value: parsed };
}

/** Whether a string is exactly one `{{...}}` placeholder, resolved later (when the run is made). */
export function isPlaceholder(value: number | string): boolean {
  return typeof value === 'string' && /^\s*\{\{[^{}]+\}\}\s*$/.test(value);
}

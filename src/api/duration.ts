/**
 * Durations as the API writes them. Pure functions.
 *
 * - Duration strings use Go's `time.ParseDuration` syntax (`30s`, `5m`, `1h30m`, `1.5h`, `250ms`,
 *   `0`), as in Argo Rollouts (without Go's rarely used `.5s` and `µs` forms).
 * - A pause duration is int-or-string: an integer (or a string of digits, as Argo accepts) is a
 *   number of seconds, any other string a duration.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// Same grammar as DURATION_PATTERN in common.ts (what the CRD enforces).
const SEGMENT = /([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/y;

/**
 * Parses a Go duration string into milliseconds. Returns undefined when the text is not a valid
 * non-negative duration. Pure.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const segment = new RegExp(SEGMENT);
  let total = 0;
  while (segment.lastIndex < text.length) {
    const match = segment.exec(text);
    if (match === null) return undefined;
    const [, amount, unit] = match;
    if (amount === undefined || unit === undefined) return undefined;
    const factor = UNIT_MS[unit];
    if (factor === undefined) return undefined;
    total += Number(amount) * factor;
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * Milliseconds of an int-or-string duration (integer or digit string = seconds). Undefined when
 * invalid or negative. Pure.
 */
export function durationMs(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value * 1000 : undefined;
  }
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  return parseDuration(value);
}

/**
 * Durations as the API writes them, the one grammar used everywhere (CRD, lint, core). Pure.
 *
 * - Duration strings use Go's `time.ParseDuration` syntax (`30s`, `5m`, `1h30m`, `1.5h`, `250ms`,
 *   `500us`, `0`), as in Argo Rollouts, without Go's rarely used `.5s` and `µs` forms. This is the
 *   grammar of `DURATION_PATTERN` in src/api/common.ts, which the CRD enforces (a test checks they
 *   agree), so a spec the API server accepts is never refused here.
 * - A pause duration is int-or-string: an integer (or a string of digits, as Argo accepts) is a
 *   number of seconds, any other string a duration.
 */
import { InvalidSpecError } from './invalid-spec.ts';

const MS_PER_UNIT: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const SEGMENT = /([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/y;
const WHOLE_SECONDS = /^[0-9]+$/;

/** Milliseconds of a Go duration string; undefined when it is not a valid non-negative one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const segment = new RegExp(SEGMENT);
  let total = 0;
  while (segment.lastIndex < text.length) {
    const match = segment.exec(text);
    if (match === null) return undefined;
    const [, amount, unit] = match;
    const factor = unit === undefined ? undefined : MS_PER_UNIT[unit];
    if (amount === undefined || factor === undefined) return undefined;
    total += Number(amount) * factor;
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * Milliseconds of an int-or-string duration (integer or digit string = seconds); undefined when
 * invalid or negative.
 */
export function durationMs(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value * 1000 : undefined;
  }
  if (WHOLE_SECONDS.test(value)) return Number(value) * 1000;
  return parseDuration(value);
}

/** `durationMs` in whole milliseconds, or `InvalidSpecError` naming `field` when malformed. */
export function parseDurationMs(value: string | number, field: string): number {
  const ms = durationMs(value);
  if (ms === undefined) {
    throw new InvalidSpecError(
      field,
      `invalid duration '${String(value)}' (use whole seconds, or e.g. '30s', '5m', '1h')`,
    );
  }
  return Math.round(ms);
}

/** Human form used in messages: `5s`, `2m`, `1h30m`, `1500ms`. */
export function formatDurationMs(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let seconds = ms / 1000;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''];
  return parts.join('') || '0s';
}

/**
 * Pause durations as Argo Rollouts accepts them. Pure.
 *
 * A number, or a string of digits, means seconds. Otherwise the string is a Go-style duration:
 * one or more `<number><unit>` parts with unit `ms`, `s`, `m` or `h` (`'5s'`, `'1m30s'`, `'1.5h'`).
 */
import { InvalidSpecError } from './invalid-spec.ts';

const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type DurationUnit = keyof typeof MS_PER_UNIT;

const WHOLE_SECONDS = /^\d+$/;
const GO_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds for a pause duration; throws `InvalidSpecError` naming `field` when malformed. */
export function parseDurationMs(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidSpecError(field, `invalid duration ${value}`);
    return Math.round(value * 1000);
  }
  const text = value.trim();
  if (WHOLE_SECONDS.test(text)) return Number(text) * 1000;
  if (!GO_DURATION.test(text)) {
    throw new InvalidSpecError(field, `invalid duration '${value}' (use seconds, or e.g. '30s', '5m', '1h')`);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(GO_DURATION_PART)) {
    total += Number(amount) * MS_PER_UNIT[unit as DurationUnit];
  }
  return Math.round(total);
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

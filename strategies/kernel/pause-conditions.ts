/**
 * status.pauseConditions as a strategy writes them: its own pauses (by reason) replaced, every
 * other pause condition kept as it was. Pure.
 */
import { keepIsoSpelling } from './time.ts';
import type { PauseCondition } from '../types.ts';

/**
 * The pause conditions after setting the strategy's `own` pauses (reason -> start in epoch ms,
 * undefined = not paused for that reason). A start time already written in another RFC 3339
 * spelling is kept as written; undefined when no pause condition is left (absent in status).
 */
export function withOwnPauses(
  previous: readonly PauseCondition[] | undefined,
  own: readonly (readonly [reason: string, startedAt: number | undefined])[],
): PauseCondition[] | undefined {
  const reasons = new Set(own.map(([reason]) => reason));
  const result = (previous ?? []).filter((condition) => !reasons.has(condition.reason));
  for (const [reason, startedAt] of own) {
    if (startedAt === undefined) continue;
    const previousStart = previous?.find((condition) => condition.reason === reason)?.startTime;
    result.push({ reason, startTime: keepIsoSpelling(previousStart, startedAt) });
  }
  return result.length > 0 ? result : undefined;
}

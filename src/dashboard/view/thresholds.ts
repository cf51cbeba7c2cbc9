import type { Threshold } from './types.ts';

const comparison =
  /^\s*(?:result(?:\[0\])?|(-?\d+(?:\.\d+)?))\s*(>=|<=|>|<)\s*(?:(-?\d+(?:\.\d+)?)|result(?:\[0\])?)\s*$/;
const flip = { '>': '<', '<': '>', '>=': '<=', '<=': '>=' } as const;

/**
 * The lines to draw on a metric's chart: each clause of a condition that compares the result with
 * a number (`result[0] >= 0.95`, `result < 0.1 && result > 0`, `0.5 <= result`). Conditions with
 * any other shape give no line: the measurements are still drawn, coloured by their phase. Pure.
 */
export function thresholdsOf(condition: string | undefined, kind: Threshold['kind']): Threshold[] {
  if (!condition) return [];
  const out: Threshold[] = [];
  for (const clause of condition.split('&&')) {
    const match = comparison.exec(clause);
    if (!match) return [];
    const [, leftNumber, op, rightNumber] = match;
    const operator = op as Threshold['op'];
    if (rightNumber !== undefined && leftNumber === undefined)
      out.push({ value: Number(rightNumber), op: operator, kind });
    else if (leftNumber !== undefined && rightNumber === undefined)
      out.push({ value: Number(leftNumber), op: flip[operator], kind });
    else return [];
  }
  return out;
}

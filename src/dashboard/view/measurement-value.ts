import type { ComparisonFigures } from './types.ts';

/**
 * The number a measurement's value text stands for: `0.97`, `[0.97]` (a one-element vector), or
 * the first number of a longer vector; null for text that is not a number. Pure.
 */
export function numericValue(text: string | undefined): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  const inner =
    trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1).split(',')[0] : trimmed;
  if (inner === undefined || inner.trim() === '') return null;
  const n = Number(inner.trim());
  return Number.isFinite(n) ? n : null;
}

const rates = /(-?[\d.]+)% vs (-?[\d.]+)%/;
const stats = /z (-?[\d.]+), p-value ([\d.e+-]+)/;
const alpha = /alpha ([\d.]+)/;
const trials = /([\d.]+) vs ([\d.]+) trials/;

/**
 * The figures of an A/B comparison measurement, read back from the text the comparison provider
 * writes (analysis/two-proportion-test.ts describeComparison): B's and A's rates, z, p-value,
 * alpha and trials. Undefined when the text is not a comparison. Pure.
 */
export function comparisonFigures(text: string | undefined): ComparisonFigures | undefined {
  if (!text) return undefined;
  const verdict = /^(B better than A|B worse than A|no significant difference|not enough samples yet)/.exec(
    text,
  )?.[1];
  if (!verdict) return undefined;
  const r = rates.exec(text);
  const s = stats.exec(text);
  const a = alpha.exec(text);
  const t = trials.exec(text);
  return {
    verdict,
    text,
    ...(r ? { rateB: Number(r[1]) / 100, rateA: Number(r[2]) / 100 } : {}),
    ...(s ? { z: Number(s[1]), pValue: Number(s[2]) } : {}),
    ...(a ? { alpha: Number(a[1]) } : {}),
    ...(t ? { trialsB: Number(t[1]), trialsA: Number(t[2]) } : {}),
  };
}

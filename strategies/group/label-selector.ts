/** metav1.LabelSelector matching (matchLabels and matchExpressions, ANDed). Pure. */
import type { LabelSelectorView } from './types.ts';

export function selectorMatches(selector: LabelSelectorView, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    const holds =
      operator === 'Exists'
        ? has
        : operator === 'DoesNotExist'
          ? !has
          : operator === 'In'
            ? has && values.includes(value ?? '')
            : !has || !values.includes(value ?? '');
    if (!holds) return false;
  }
  return true;
}

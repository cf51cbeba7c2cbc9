/**
 * True when every field of `desired` has the same value in `current`. Objects may carry more
 * fields in `current` (defaults the API server filled in, fields other managers own); lists must
 * have the same length and match element by element, so a removed route or filter shows as a
 * difference. Used to skip a write when a routing object already says what the router wants.
 */
export function containsDesired(desired: unknown, current: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(current) &&
      current.length === desired.length &&
      desired.every((item, i) => containsDesired(item, current[i]))
    );
  }
  if (isRecord(desired)) {
    if (!isRecord(current)) return false;
    return Object.entries(desired).every(
      ([key, value]) => value === undefined || containsDesired(value, current[key]),
    );
  }
  return desired === current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

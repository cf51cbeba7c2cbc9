/**
 * JSON with object keys sorted at every level, so that the same value written with keys in
 * another order (YAML from Git, JSON from kubectl) prints, and so hashes, the same. `undefined`
 * members are dropped as `JSON.stringify` drops them; `undefined` in an array is `null`. Pure.
 * Used for the pod template hash and the step hash: changing its output changes every hash a
 * running cluster holds, so a test pins known values.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
  }
  // JSON.stringify gives undefined for functions and symbols (typed as string, it is not always).
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'null';
}

/**
 * Field paths as validation reports them (`spec.strategy.canary.steps[2].experiment`), split and
 * used to delete one field from a plain object. Pure.
 */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push(part);
      continue;
    }
    if (match[1] !== undefined && match[1] !== '') segments.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** Deletes the field at `path` (a list element is removed); true when something was there. */
export function deleteAtPath(root: unknown, path: string): boolean {
  const segments = pathSegments(path);
  const last = segments.pop();
  let node: unknown = root;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  if (last === undefined || node === null || typeof node !== 'object') return false;
  if (Array.isArray(node) && typeof last === 'number') {
    if (last >= node.length) return false;
    node.splice(last, 1);
    return true;
  }
  const record = node as Record<string, unknown>;
  if (!Object.hasOwn(record, String(last))) return false;
  return Reflect.deleteProperty(record, String(last));
}

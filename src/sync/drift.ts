/**
 * Drift: fields Git declares whose live value is different (someone ran `kubectl edit`), and the
 * readable diff `bellwether diff` prints. Only the fields Git declares count: what controllers add
 * (the hash in a Service selector, status, defaults) is not drift. The comparisons are pure.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { annotations } from '../kube/names.ts';
import { deepEqual } from '../kube/merge-patch.ts';
import { fieldManager, syncedByAnnotation } from './apply.ts';
import { describeRef, refOf, type KubeObject, type KubeRest } from './kube-rest.ts';
import type { DriftReport } from './inventory.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const IGNORED_METADATA = new Set([
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
]);

/**
 * Paths (`spec.template.spec.containers[0].image`) where `live` does not hold what `desired`
 * declares. Maps compare the keys `desired` has; lists compare item by item and must have the
 * same length. Pure.
 */
export function driftedPaths(desired: unknown, live: unknown, path = ''): string[] {
  if (isRecord(desired)) {
    if (!isRecord(live)) return [path];
    return Object.entries(desired).flatMap(([key, value]) => {
      if (path === 'metadata' && IGNORED_METADATA.has(key)) return [];
      if (path === '' && key === 'status') return [];
      return driftedPaths(value, live[key], path === '' ? key : `${path}.${key}`);
    });
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return [path];
    return desired.flatMap((item, index) => driftedPaths(item, live[index], `${path}[${String(index)}]`));
  }
  if (desired === null || desired === undefined) return [];
  return sameScalar(desired, live) ? [] : [path];
}

/** YAML scalars the API server normalizes (`replicas: "3"` is never valid, but `port: 80` vs 80.0 is). */
function sameScalar(desired: unknown, live: unknown): boolean {
  if (deepEqual(desired, live)) return true;
  return typeof desired === 'number' && typeof live === 'string' && String(desired) === live;
}

/** The value at a path from driftedPaths. Pure. */
export function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) current = Array.isArray(current) ? current[Number(match[2])] : undefined;
    else if (isRecord(current) && match[1] !== undefined) current = current[match[1]];
    else return undefined;
  }
  return current;
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
}

/** Managers other than the sync that updated the object after the sync's last apply. Pure. */
export function changedBy(live: KubeObject): string[] {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = entries.find((e) => e.manager === fieldManager && e.operation === 'Apply');
  const since = ours?.time ? Date.parse(ours.time) : 0;
  return [
    ...new Set(
      entries
        // Status writes (the controller's) are not drift of what Git declares.
        .filter((e) => e.manager !== fieldManager && e.subresource !== 'status')
        .filter((e) => (e.time ? Date.parse(e.time) : 0) >= since)
        .map((e) => e.manager ?? '?'),
    ),
  ].sort();
}

/**
 * Drift of each applied object against the cluster. A suspected field is confirmed with a
 * server-side dry-run apply (no write): when the API server would store the same value that is
 * live, the difference was only normalization (`cpu: 0.5` stored as `500m`).
 */
export async function detectDrift(
  rest: KubeRest,
  desired: readonly KubeObject[],
  dryRunApply: (object: KubeObject) => Promise<KubeObject>,
): Promise<{ reports: DriftReport[]; drifted: KubeObject[] }> {
  const reports: DriftReport[] = [];
  const drifted: KubeObject[] = [];
  for (const object of desired) {
    const live = await rest.get(refOf(object));
    if (!live) {
      reports.push({ object: describeRef(refOf(object)), paths: ['(deleted)'], changedBy: [] });
      drifted.push(object);
      continue;
    }
    let paths = driftedPaths(object, live);
    if (paths.length > 0) {
      // A dry run that fails (another manager's list entry makes the merged object invalid)
      // confirms the drift: Git's version cannot even be applied over what is live.
      const wouldBe = await dryRunApply(object).catch(() => undefined);
      if (wouldBe) paths = paths.filter((path) => !deepEqual(valueAt(wouldBe, path), valueAt(live, path)));
    }
    if (paths.length === 0) continue;
    reports.push({ object: describeRef(refOf(object)), paths, changedBy: changedBy(live) });
    drifted.push(object);
  }
  return { reports, drifted };
}

const provenanceKeys = new Set<string>([
  syncedByAnnotation,
  annotations.sourceRepository,
  annotations.sourcePath,
  annotations.sourceRevision,
  annotations.sourceAuthor,
  annotations.sourceSubject,
]);

/**
 * What `bellwether diff` compares: no status, no server bookkeeping, no provenance (it names a
 * commit and so differs on every commit by design) and no owner-sync mark. Pure.
 */
export function comparable(object: KubeObject | undefined): Record<string, unknown> | undefined {
  if (!object) return undefined;
  const { status: _status, metadata, ...rest } = object;
  const kept = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => !IGNORED_METADATA.has(key)),
  ) as Record<string, unknown>;
  const notes = Object.entries(metadata.annotations ?? {}).filter(([key]) => !provenanceKeys.has(key));
  if (notes.length > 0) kept.annotations = Object.fromEntries(notes);
  else delete kept.annotations;
  return { ...(object.kind === 'Secret' ? maskedSecret(rest) : rest), metadata: kept };
}

/** Secret values never reach the terminal: each becomes a short digest, so changes still show. */
function maskedSecret(object: Record<string, unknown>): Record<string, unknown> {
  const masked = { ...object };
  for (const field of ['data', 'stringData']) {
    const values = object[field];
    if (!isRecord(values)) continue;
    masked[field] = Object.fromEntries(
      Object.entries(values).map(([key, value]) => [
        key,
        `(sha256 ${createHash('sha256').update(String(value)).digest('hex').slice(0, 12)})`,
      ]),
    );
  }
  return masked;
}

/** A unified diff of live against what applying would store, or '' when they are equal. Pure. */
export function readableDiff(name: string, live: KubeObject | undefined, applied: KubeObject): string {
  const before = comparable(live);
  const after = comparable(applied);
  if (deepEqual(before, after)) return '';
  const text = (value: unknown) => (value === undefined ? '' : stringify(value, { sortMapEntries: true }));
  return createTwoFilesPatch(`live/${name}`, `git/${name}`, text(before), text(after), '', '', {
    context: 3,
  });
}

/**
 * Server-side apply of rendered manifests under the field manager `bellwether-sync`: first every
 * object as a dry run (the API server's own schema checks and admission policies, so one bad
 * object stops the whole commit), then for real. Each object carries the commit that declared it
 * and the sync that owns it.
 */
import { annotations } from '../kube/names.ts';
import type { Problem } from '../lint/lint.ts';
import type { Commit } from './git.ts';
import { describeRef, KubeApiError, refOf, type KubeObject, type KubeRest } from './kube-rest.ts';
import { applyOrder, type Manifest } from './render.ts';

export const fieldManager = 'bellwether-sync';
/** Marks an object as created by one sync: pruning deletes nothing without it. */
export const syncedByAnnotation = 'bellwether.dev/synced-by';

export interface Source {
  repository: string;
  path: string;
  commit: Commit;
}

/** The object as applied: namespace defaulted, provenance and owner-sync annotations added. Pure. */
export function decorate(
  object: KubeObject,
  options: { namespaced: boolean; namespace: string; syncName: string; source?: Source },
): KubeObject {
  const metadata = { ...object.metadata };
  if (options.namespaced && !metadata.namespace) metadata.namespace = options.namespace;
  if (!options.namespaced) delete metadata.namespace;
  const source = options.source;
  metadata.annotations = {
    ...(metadata.annotations ?? {}),
    [syncedByAnnotation]: options.syncName,
    ...(source
      ? {
          [annotations.sourceRepository]: source.repository,
          [annotations.sourcePath]: source.path,
          [annotations.sourceRevision]: source.commit.sha,
          [annotations.sourceAuthor]: source.commit.author,
          [annotations.sourceSubject]: source.commit.subject,
        }
      : {}),
  };
  return { ...object, metadata };
}

export interface Prepared {
  object: KubeObject;
  manifest: Manifest;
}

/** Decorates every manifest, in apply order; unknown kinds become problems naming the file. */
export async function prepare(
  rest: KubeRest,
  manifests: readonly Manifest[],
  options: { namespace: string; syncName: string; source?: Source },
): Promise<{ prepared: Prepared[]; problems: Problem[] }> {
  const prepared: Prepared[] = [];
  const problems: Problem[] = [];
  const ordered = applyOrder(manifests.map((manifest) => ({ kind: manifest.object.kind, manifest })));
  for (const { manifest } of ordered) {
    const object = manifest.object;
    try {
      const info = await rest.resource(object.apiVersion, object.kind);
      prepared.push({ object: decorate(object, { ...options, namespaced: info.namespaced }), manifest });
    } catch (err) {
      problems.push(problemFor(manifest, err));
    }
  }
  return { prepared, problems };
}

export function problemFor(manifest: Manifest, err: unknown, object: KubeObject = manifest.object): Problem {
  const message =
    err instanceof KubeApiError ? apiMessage(err) : err instanceof Error ? err.message : String(err);
  return {
    file: manifest.file,
    line: manifest.line,
    col: 1,
    severity: 'error',
    object: describeRef(refOf(object)),
    path: '',
    message,
  };
}

/** The API server's message, which names the field (`spec.ports[0].port: Invalid value: ...`). */
function apiMessage(err: KubeApiError): string {
  try {
    const status = JSON.parse(err.body) as { message?: string };
    return status.message ?? err.message;
  } catch {
    return err.message;
  }
}

/** One server-side apply (force: Git is the source of truth for the fields it declares). */
export async function applyObject(rest: KubeRest, object: KubeObject, dryRun = false): Promise<KubeObject> {
  return rest.request<KubeObject>('PATCH', await rest.objectPath(refOf(object)), {
    query: { fieldManager, force: 'true', ...(dryRun ? { dryRun: 'All' } : {}) },
    body: object,
    contentType: 'application/apply-patch+yaml',
  });
}

/**
 * Dry-runs every object; problems name the file and the API server's field message. A namespace
 * the same commit creates does not exist yet during the dry run, so that NotFound is not a problem.
 */
export async function dryRunAll(rest: KubeRest, prepared: readonly Prepared[]): Promise<Problem[]> {
  const newNamespaces = new Set(
    prepared.filter((p) => p.object.kind === 'Namespace').map((p) => p.object.metadata.name),
  );
  const problems: Problem[] = [];
  for (const { object, manifest } of prepared) {
    try {
      await applyObject(rest, object, true);
    } catch (err) {
      const namespace = object.metadata.namespace;
      if (err instanceof KubeApiError && err.code === 404 && namespace && newNamespaces.has(namespace))
        continue;
      problems.push(problemFor(manifest, err, object));
    }
  }
  return problems;
}

/** Applies every object in order; stops at the first failure (the next poll retries the commit). */
export async function applyAll(rest: KubeRest, prepared: readonly Prepared[]): Promise<KubeObject[]> {
  const applied: KubeObject[] = [];
  for (const { object, manifest } of prepared) {
    try {
      applied.push(await applyObject(rest, object));
    } catch (err) {
      const problem = problemFor(manifest, err, object);
      throw new Error(`${problem.file}:${String(problem.line)}: ${problem.object}: ${problem.message}`, {
        cause: err,
      });
    }
  }
  return applied;
}

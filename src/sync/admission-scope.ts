/**
 * What a sync may touch, checked before anything of a commit is applied: objects only in the
 * namespaces its GitSource allows (never cluster-scoped ones then), and never an object another
 * sync owns (`bellwether.dev/synced-by`), so two GitSources cannot take each other's objects
 * over or prune them.
 */
import type { Problem } from '../lint/lint.ts';
import { problemFor, syncedByAnnotation, type Prepared } from './apply.ts';
import type { KubeRest } from './kube-rest.ts';
import { refOf } from './kube-rest.ts';

/** Objects outside `allowed` (undefined: no limit). Pure. */
export function scopeProblems(
  prepared: readonly Prepared[],
  allowed: readonly string[] | undefined,
): Problem[] {
  if (allowed === undefined) return [];
  const list = allowed.join(', ');
  return prepared.flatMap(({ object, manifest }) => {
    const namespace = object.metadata.namespace;
    if (namespace !== undefined && allowed.includes(namespace)) return [];
    const message =
      namespace === undefined
        ? `a cluster-scoped ${object.kind} is not allowed (this source may apply only into: ${list})`
        : `namespace "${namespace}" is not allowed (this source may apply only into: ${list})`;
    return [
      {
        ...problemFor(manifest, new Error(message), object),
        path: namespace === undefined ? 'kind' : 'metadata.namespace',
      },
    ];
  });
}

/** Objects that exist and carry another sync's name. */
export async function ownershipProblems(
  rest: KubeRest,
  prepared: readonly Prepared[],
  syncName: string,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const { object, manifest } of prepared) {
    const live = await rest.get(refOf(object)).catch(() => undefined);
    const owner = live?.metadata.annotations?.[syncedByAnnotation];
    if (owner !== undefined && owner !== syncName) {
      problems.push({
        ...problemFor(
          manifest,
          new Error(`already applied by the sync "${owner}": two sources cannot own one object`),
          object,
        ),
        path: `metadata.annotations[${syncedByAnnotation}]`,
      });
    }
  }
  return problems;
}

/**
 * Deletes what an earlier commit applied and the current one no longer declares (the inventory
 * difference, `pruneSet`), in reverse apply order. An object is deleted only when it still
 * carries this sync's `bellwether.dev/synced-by` annotation: the sync never prunes what it did
 * not create, even if someone edited the inventory.
 */
import { syncedByAnnotation } from './apply.ts';
import { applyOrder } from './render.ts';
import { describeRef, KubeApiError, type ObjectRef, type KubeRest } from './kube-rest.ts';

export interface PruneResult {
  deleted: string[];
  /** Objects left alone because another owner has them now. */
  skipped: string[];
}

export async function pruneObjects(
  rest: KubeRest,
  refs: readonly ObjectRef[],
  syncName: string,
): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], skipped: [] };
  for (const ref of applyOrder(refs).reverse()) {
    const live = await rest.get(ref);
    if (!live) continue;
    if (live.metadata.annotations?.[syncedByAnnotation] !== syncName) {
      result.skipped.push(describeRef(ref));
      continue;
    }
    try {
      await rest.request('DELETE', await rest.objectPath(ref), {
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: 'Background',
          preconditions: { uid: live.metadata.uid },
        },
      });
      result.deleted.push(describeRef(ref));
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 404)) throw err;
    }
  }
  return result;
}

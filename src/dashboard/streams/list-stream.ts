import { CustomObjectsApi, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { RolloutGroupObject } from '../../controller/group/group-object.ts';
import { type RolloutObject } from '../../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../../kube/names.ts';
import type { Logger } from '../../log.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Identity } from '../auth/identity.ts';
import { groupRow } from '../view/group-view.ts';
import { rolloutRow } from '../view/rollout-row.ts';
import type { ListMessageOf } from '../view/types.ts';
import type { SseChannel } from './sse.ts';
import { coalesce, watchCollection } from './watched-collection.ts';

/** A list page's kind: its plural in bellwether.dev and the row the page shows of each object. */
export interface ListKind<T, Row extends { key: string }> {
  plural: string;
  row: (obj: T) => Row;
}

export const rolloutList: ListKind<RolloutObject, ReturnType<typeof rolloutRow>> = {
  plural: rolloutPlural,
  row: rolloutRow,
};

export const groupList: ListKind<RolloutGroupObject, ReturnType<typeof groupRow>> = {
  plural: 'rolloutgroups',
  row: groupRow,
};

/**
 * A list of Rollouts or RolloutGroups for one browser: a watch made as the user (all namespaces,
 * or one), sent whole once and then as the rows that changed. Rows are compared as JSON, so a
 * status write that changes nothing the list shows sends nothing.
 */
export async function streamList<T extends KubernetesObject, Row extends { key: string }>(
  kind: ListKind<T, Row>,
  channel: SseChannel,
  identity: Identity,
  auth: Authenticator,
  namespace: string | undefined,
  log: Logger,
): Promise<void> {
  const send = (message: ListMessageOf<Row>) => {
    channel.send(message);
  };
  const { plural } = kind;
  const scope = namespace ? { namespace } : {};
  for (const verb of ['list', 'watch']) {
    if (!(await auth.can(identity, { verb, group, resource: plural, ...scope }))) {
      send({
        type: 'error',
        status: 403,
        message: `${identity.username} may not ${verb} ${plural} ${namespace ? `in namespace "${namespace}"` : 'in all namespaces'}`,
      });
      channel.close();
      return;
    }
  }
  const custom = identity.kc.makeApiClient(CustomObjectsApi);
  const path = namespace
    ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}`
    : `/apis/${group}/${version}/${plural}`;
  const list = async () =>
    (await (namespace
      ? custom.listNamespacedCustomObject({ group, version, namespace, plural })
      : custom.listClusterCustomObject({ group, version, plural }))) as KubernetesListObject<T>;
  let sent = new Map<string, string>();
  let synced = false;
  const push = coalesce(() => {
    const rows = informer.list().map(kind.row);
    const next = new Map(rows.map((row) => [row.key, JSON.stringify(row)]));
    if (!synced) {
      synced = true;
      send({ type: 'snapshot', rows });
    } else {
      const upsert = rows.filter((row) => sent.get(row.key) !== next.get(row.key));
      const remove = [...sent.keys()].filter((key) => !next.has(key));
      if (upsert.length || remove.length) send({ type: 'changes', upsert, remove });
    }
    sent = next;
  }, 30);
  const informer = watchCollection<T>(
    identity.kc,
    { name: `dashboard ${plural} ${namespace ?? '*'}`, path, list },
    () => {
      if (synced) push.schedule();
    },
    log,
  );
  channel.onClose(() => {
    push.cancel();
    void informer.stop();
  });
  await informer.start();
  push.schedule();
}

import { CustomObjectsApi, type KubernetesListObject } from '@kubernetes/client-node';
import { group, rolloutPlural, version, type RolloutObject } from '../../controller/rollout-object.ts';
import type { Logger } from '../../log.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Identity } from '../auth/identity.ts';
import { rolloutRow } from '../view/rollout-row.ts';
import type { ListMessage, RolloutRow } from '../view/types.ts';
import type { SseChannel } from './sse.ts';
import { coalesce, watchCollection } from './watched-collection.ts';

/**
 * The list of Rollouts for one browser: a watch made as the user (all namespaces, or one), sent
 * whole once and then as the rows that changed. Rows are compared as JSON, so a status write that
 * changes nothing the list shows sends nothing.
 */
export async function streamRolloutList(
  channel: SseChannel,
  identity: Identity,
  auth: Authenticator,
  namespace: string | undefined,
  log: Logger,
): Promise<void> {
  const send = (message: ListMessage) => {
    channel.send(message);
  };
  const scope = namespace ? { namespace } : {};
  for (const verb of ['list', 'watch']) {
    if (!(await auth.can(identity, { verb, group, resource: rolloutPlural, ...scope }))) {
      send({
        type: 'error',
        status: 403,
        message: `${identity.username} may not ${verb} rollouts ${namespace ? `in namespace "${namespace}"` : 'in all namespaces'}`,
      });
      channel.close();
      return;
    }
  }
  const custom = identity.kc.makeApiClient(CustomObjectsApi);
  const path = namespace
    ? `/apis/${group}/${version}/namespaces/${namespace}/${rolloutPlural}`
    : `/apis/${group}/${version}/${rolloutPlural}`;
  const list = async () =>
    (await (namespace
      ? custom.listNamespacedCustomObject({ group, version, namespace, plural: rolloutPlural })
      : custom.listClusterCustomObject({
          group,
          version,
          plural: rolloutPlural,
        }))) as KubernetesListObject<RolloutObject>;
  let sent = new Map<string, string>();
  let synced = false;
  const push = coalesce(() => {
    const rows = informer.list().map(rolloutRow);
    const next = new Map(rows.map((row) => [row.key, JSON.stringify(row)]));
    if (!synced) {
      synced = true;
      send({ type: 'snapshot', rows });
    } else {
      const upsert: RolloutRow[] = rows.filter((row) => sent.get(row.key) !== next.get(row.key));
      const remove = [...sent.keys()].filter((key) => !next.has(key));
      if (upsert.length || remove.length) send({ type: 'changes', upsert, remove });
    }
    sent = next;
  }, 30);
  const informer = watchCollection<RolloutObject>(
    identity.kc,
    { name: `dashboard rollouts ${namespace ?? '*'}`, path, list },
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

import { CustomObjectsApi, type KubernetesListObject } from '@kubernetes/client-node';
import { rolloutGroupPlural, type RolloutGroupObject } from '../../controller/group/group-object.ts';
import type { ResilientInformer } from '../../kube/informer.ts';
import { type RolloutObject } from '../../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../../kube/names.ts';
import { describeError, statusCode, type Logger } from '../../log.ts';
import { groupOperationResources, groupOperations } from '../../operations/group-operations.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Identity } from '../auth/identity.ts';
import { mayPatch } from '../auth/may-patch.ts';
import { groupDetail } from '../view/group-view.ts';
import type { GroupMessage, GroupPermissions } from '../view/types.ts';
import type { SseChannel } from './sse.ts';
import { coalesce, watchCollection } from './watched-collection.ts';

/** Which group actions the user may take: `patch` on every resource each one writes. */
export async function groupPermissionsFor(
  auth: Authenticator,
  identity: Identity,
  namespace: string,
  name: string,
): Promise<GroupPermissions> {
  const resources = [...new Set(groupOperations.flatMap(groupOperationResources))];
  const allowed = new Map(
    await Promise.all(
      resources.map(
        async (r) =>
          [
            r,
            await mayPatch(auth, identity, namespace, r, r.startsWith(rolloutGroupPlural) ? name : undefined),
          ] as const,
      ),
    ),
  );
  const may = (op: (typeof groupOperations)[number]) =>
    groupOperationResources(op).every((r) => allowed.get(r) === true);
  return { promote: may('promote'), abort: may('abort'), retry: may('retry') };
}

/**
 * One RolloutGroup for one browser: a watch (as the user) of the group and of its namespace's
 * Rollouts; each change recomputes the page's view and sends it when it differs from the last.
 * Without the right to list Rollouts the page shows what the group's status says of them.
 */
export async function streamGroupDetail(
  channel: SseChannel,
  identity: Identity,
  auth: Authenticator,
  namespace: string,
  name: string,
  log: Logger,
): Promise<void> {
  const send = (message: GroupMessage) => {
    channel.send(message);
  };
  const fail = (message: GroupMessage) => {
    send(message);
    channel.close();
  };
  const can = (verb: string, resource: string) =>
    auth.can(identity, { verb, group, resource, namespace, ...(verb === 'get' ? { name } : {}) });
  if (!(await can('get', rolloutGroupPlural))) {
    fail({
      type: 'error',
      status: 403,
      message: `${identity.username} may not get rolloutgroup ${namespace}/${name}`,
    });
    return;
  }
  const custom = identity.kc.makeApiClient(CustomObjectsApi);
  try {
    await custom.getNamespacedCustomObject({ group, version, namespace, plural: rolloutGroupPlural, name });
  } catch (err) {
    fail(
      statusCode(err) === 404
        ? { type: 'gone' }
        : { type: 'error', status: statusCode(err) ?? 500, message: describeError(err) },
    );
    return;
  }
  const permissions = await groupPermissionsFor(auth, identity, namespace, name);
  let started = false;
  let last = '';
  const push = coalesce(() => {
    const g = groups.list()[0];
    if (!g) {
      send({ type: 'gone' });
      return;
    }
    const view = groupDetail(g, rollouts?.list() ?? [], permissions);
    const text = JSON.stringify(view);
    if (text !== last) {
      last = text;
      send({ type: 'group', group: view });
    }
  }, 30);
  const changed = () => {
    if (started) push.schedule();
  };
  const nsPath = (plural: string) => `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
  const fieldSelector = `metadata.name=${name}`;
  const groups = watchCollection<RolloutGroupObject>(
    identity.kc,
    {
      name: `dashboard rolloutgroup ${namespace}/${name}`,
      path: nsPath(rolloutGroupPlural),
      fieldSelector,
      list: async () =>
        (await custom.listNamespacedCustomObject({
          group,
          version,
          namespace,
          plural: rolloutGroupPlural,
          fieldSelector,
        })) as KubernetesListObject<RolloutGroupObject>,
    },
    changed,
    log,
  );
  const rollouts: ResilientInformer<RolloutObject> | undefined =
    (await can('list', rolloutPlural)) && (await can('watch', rolloutPlural))
      ? watchCollection<RolloutObject>(
          identity.kc,
          {
            name: `dashboard rollouts ${namespace} (group ${name})`,
            path: nsPath(rolloutPlural),
            list: async () =>
              (await custom.listNamespacedCustomObject({
                group,
                version,
                namespace,
                plural: rolloutPlural,
              })) as KubernetesListObject<RolloutObject>,
          },
          changed,
          log,
        )
      : undefined;
  const informers = [groups, rollouts].filter((i) => i !== undefined);
  channel.onClose(() => {
    push.cancel();
    for (const informer of informers) void informer.stop();
  });
  await Promise.all(informers.map((i) => i.start()));
  started = true;
  push.schedule();
}

import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type CoreV1Event,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import type { AnalysisRun } from '../../api/analysis.ts';
import { rolloutGroupPlural, type RolloutGroupObject } from '../../controller/group/group-object.ts';
import type { ResilientInformer } from '../../kube/informer.ts';
import { ownedReplicaSets } from '../../controller/replica-sets.ts';
import { type RolloutObject } from '../../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../../kube/names.ts';
import { describeError, statusCode, type Logger } from '../../log.ts';
import { operationResource, operations } from '../../operations/rollout-operations.ts';
import type { Authenticator, ResourceAttributes } from '../auth/authenticator.ts';
import type { Identity } from '../auth/identity.ts';
import { mayPatch } from '../auth/may-patch.ts';
import { rolloutDetail } from '../view/rollout-detail.ts';
import type { DetailMessage, Permissions, WeightPoint } from '../view/types.ts';
import type { SseChannel } from './sse.ts';
import { coalesce, watchCollection } from './watched-collection.ts';

/** The label the controller puts on the AnalysisRuns it creates for a Rollout. */
const rolloutLabel = 'bellwether.dev/rollout';

/** Which actions the user may take on this Rollout: `patch` on the subresource each one writes. */
export async function permissionsFor(
  auth: Authenticator,
  identity: Identity,
  namespace: string,
  name: string,
): Promise<Permissions> {
  const check = (resource: string) => mayPatch(auth, identity, namespace, resource, name);
  const [spec, status] = await Promise.all([check('rollouts'), check('rollouts/status')]);
  return Object.fromEntries(
    operations.map((op) => [op, operationResource(op) === 'rollouts' ? spec : status]),
  ) as unknown as Permissions;
}

/**
 * One Rollout for one browser: watches (as the user) of the Rollout, the namespace's ReplicaSets,
 * the pods of its selector, its AnalysisRuns and its Events; each change recomputes the page's
 * view model and sends it when it differs from the last one sent. Collections the user may not
 * list are left out rather than failing the page.
 */
export async function streamRolloutDetail(
  channel: SseChannel,
  identity: Identity,
  auth: Authenticator,
  namespace: string,
  name: string,
  log: Logger,
): Promise<void> {
  const send = (message: DetailMessage) => {
    channel.send(message);
  };
  const may = (attributes: Omit<ResourceAttributes, 'namespace'>) =>
    auth.can(identity, { ...attributes, namespace });
  if (!(await may({ verb: 'get', group, resource: rolloutPlural, name }))) {
    send({
      type: 'error',
      status: 403,
      message: `${identity.username} may not get rollout ${namespace}/${name}`,
    });
    channel.close();
    return;
  }
  let first: RolloutObject;
  try {
    first = (await identity.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: rolloutPlural,
      name,
    })) as RolloutObject;
  } catch (err) {
    if (statusCode(err) === 404) send({ type: 'gone' });
    else send({ type: 'error', status: statusCode(err) ?? 500, message: describeError(err) });
    channel.close();
    return;
  }
  const permissions = await permissionsFor(auth, identity, namespace, name);
  const samples: WeightPoint[] = [];
  let last = '';
  let started = false;
  const push = coalesce(() => {
    const rollout = watches.rollouts.list()[0];
    if (!rollout) {
      send({ type: 'gone' });
      return;
    }
    sample(rollout, samples);
    const detail = rolloutDetail({
      rollout,
      replicaSets: ownedReplicaSets(rollout, watches.replicaSets?.list() ?? []),
      pods: watches.pods?.list() ?? [],
      analysisRuns: watches.analysisRuns?.list() ?? [],
      events: watches.events?.list() ?? [],
      groups: watches.groups?.list() ?? [],
      samples,
      permissions,
    });
    const text = JSON.stringify(detail);
    if (text !== last) {
      last = text;
      send({ type: 'detail', detail });
    }
  }, 30);
  const watches = await watchesOf(
    identity,
    may,
    { namespace, name },
    first,
    () => {
      if (started) push.schedule();
    },
    log,
  );
  const informers = [
    watches.rollouts,
    watches.replicaSets,
    watches.pods,
    watches.analysisRuns,
    watches.events,
    watches.groups,
  ].filter((i) => i !== undefined);
  channel.onClose(() => {
    push.cancel();
    for (const informer of informers) void informer.stop();
  });
  await Promise.all(informers.map((informer) => informer.start()));
  started = true;
  push.schedule();
}

/**
 * The list+watches of one Rollout's page, made with the user's credentials; collections the user
 * may not list and watch are not watched (undefined).
 */
async function watchesOf(
  identity: Identity,
  may: (attributes: Omit<ResourceAttributes, 'namespace'>) => Promise<boolean>,
  { namespace, name }: { namespace: string; name: string },
  first: RolloutObject,
  changed: () => void,
  log: Logger,
) {
  const custom = identity.kc.makeApiClient(CustomObjectsApi);
  const apps = identity.kc.makeApiClient(AppsV1Api);
  const core = identity.kc.makeApiClient(CoreV1Api);
  // with workloadRef and no selector, the controller's status.selector (the Deployment's)
  const selector = first.spec.selector
    ? Object.entries(first.spec.selector.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : (first.status?.selector ?? '');
  const nsPath = (apiGroup: string, plural: string) =>
    `${apiGroup ? `/apis/${apiGroup}` : '/api/v1'}/namespaces/${namespace}/${plural}`;
  const asList = <T extends KubernetesObject>(p: Promise<unknown>) => p as Promise<KubernetesListObject<T>>;
  const watch = <T extends KubernetesObject>(
    allowed: boolean,
    source: Parameters<typeof watchCollection<T>>[1],
  ): ResilientInformer<T> | undefined =>
    allowed ? watchCollection<T>(identity.kc, source, changed, log) : undefined;

  const canWatch = async (apiGroup: string, resource: string) =>
    (await may({ verb: 'list', group: apiGroup, resource })) &&
    (await may({ verb: 'watch', group: apiGroup, resource }));

  const rollouts = watchCollection<RolloutObject>(
    identity.kc,
    {
      name: `dashboard rollout ${namespace}/${name}`,
      path: nsPath(`${group}/${version}`, rolloutPlural),
      fieldSelector: `metadata.name=${name}`,
      list: () =>
        asList(
          custom.listNamespacedCustomObject({
            group,
            version,
            namespace,
            plural: rolloutPlural,
            fieldSelector: `metadata.name=${name}`,
          }),
        ),
    },
    changed,
    log,
  );
  const replicaSets = watch<V1ReplicaSet>(await canWatch('apps', 'replicasets'), {
    name: `dashboard replicasets ${namespace}`,
    path: nsPath('apps/v1', 'replicasets'),
    list: () => apps.listNamespacedReplicaSet({ namespace }),
  });
  const pods = watch<V1Pod>(await canWatch('', 'pods'), {
    name: `dashboard pods ${namespace}/${name}`,
    path: nsPath('', 'pods'),
    labelSelector: selector,
    list: () => core.listNamespacedPod({ namespace, labelSelector: selector }),
  });
  const analysisRuns = watch<AnalysisRun & KubernetesObject>(await canWatch(group, 'analysisruns'), {
    name: `dashboard analysisruns ${namespace}/${name}`,
    path: nsPath(`${group}/${version}`, 'analysisruns'),
    labelSelector: `${rolloutLabel}=${name}`,
    list: () =>
      asList(
        custom.listNamespacedCustomObject({
          group,
          version,
          namespace,
          plural: 'analysisruns',
          labelSelector: `${rolloutLabel}=${name}`,
        }),
      ),
  });
  const eventSelector = `involvedObject.kind=Rollout,involvedObject.name=${name}`;
  const events = watch<CoreV1Event>(await canWatch('', 'events'), {
    name: `dashboard events ${namespace}/${name}`,
    path: nsPath('', 'events'),
    fieldSelector: eventSelector,
    list: () => core.listNamespacedEvent({ namespace, fieldSelector: eventSelector }),
  });
  const groups = watch<RolloutGroupObject & KubernetesObject>(await canWatch(group, rolloutGroupPlural), {
    name: `dashboard rolloutgroups ${namespace}`,
    path: nsPath(`${group}/${version}`, rolloutGroupPlural),
    list: () =>
      asList(custom.listNamespacedCustomObject({ group, version, namespace, plural: rolloutGroupPlural })),
  });
  return { rollouts, replicaSets, pods, analysisRuns, events, groups };
}

/**
 * Records the new version's weight as this stream sees it change: the canary weight, B's split,
 * or 100 once the current version is the stable one.
 */
function sample(rollout: RolloutObject, samples: WeightPoint[]): void {
  const status = rollout.status ?? {};
  const settled = status.currentPodHash !== undefined && status.currentPodHash === status.stableRS;
  const weight = settled
    ? 100
    : rollout.spec.strategy.abTest
      ? (status.abTest?.split?.b ?? 0)
      : (status.canary?.weights?.canary ?? 0);
  if (samples.at(-1)?.weight !== weight) samples.push({ t: Date.now(), weight });
  if (samples.length > 500) samples.splice(0, samples.length - 500);
}

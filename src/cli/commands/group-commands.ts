import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { rolloutGroupPlural, type RolloutGroupObject } from '../../controller/group/group-object.ts';
import { group, version } from '../../controller/rollout-object.ts';
import { describeError, statusCode } from '../../log.ts';
import { ClusterContext } from '../cluster-context.ts';
import { clusterFlags, parseFlags, requirePositional, UsageError } from '../flags.ts';
import { renderGroup } from '../render-group.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

export const groupUsage = `bellwether group: operations on a RolloutGroup (docs/rollout-groups.md)

  group get NAME [--watch]   phase, stages, limits and every member with why it waits
  group promote NAME [--full]  promote every member paused at a step (--full: every member in progress)
  group abort NAME           abort the group: members in progress abort, nothing new starts
  group retry NAME           let the group go on, and retry its aborted members
`;

async function getGroup(ctx: ClusterContext, name: string): Promise<RolloutGroupObject> {
  try {
    return (await ctx.custom.getNamespacedCustomObject({
      group,
      version,
      namespace: ctx.namespace,
      plural: rolloutGroupPlural,
      name,
    })) as RolloutGroupObject;
  } catch (err) {
    if (statusCode(err) === 404)
      throw new Error(`rolloutgroup "${name}" not found in namespace "${ctx.namespace}"`, { cause: err });
    throw new Error(`reading rolloutgroup "${name}": ${describeError(err)}`, { cause: err });
  }
}

async function patchGroupStatus(ctx: ClusterContext, name: string, status: object): Promise<void> {
  await ctx.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
    {
      group,
      version,
      namespace: ctx.namespace,
      plural: rolloutGroupPlural,
      name,
      body: { status },
      fieldManager: 'bellwether-cli',
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** `group get|promote|abort|retry NAME` */
export async function groupCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...clusterFlags, full: { type: 'boolean' }, watch: { type: 'boolean', short: 'w' } },
    'group',
  );
  const action = requirePositional(positionals, 0, 'action (get, promote, abort, retry)', 'group');
  const name = requirePositional(positionals, 1, 'rolloutgroup name', `group ${action}`);
  const ctx = ClusterContext.fromFlags(values);
  const current = await getGroup(ctx, name);
  switch (action) {
    case 'get':
      return get(ctx, name, current, values.watch === true, out);
    case 'promote':
      return promote(ctx, current, values.full === true, out);
    case 'abort':
      await patchGroupStatus(ctx, name, { abort: true });
      out(`rolloutgroup "${name}" aborted: members in progress abort, nothing new starts\n`);
      return 0;
    case 'retry':
      return retry(ctx, current, out);
    default:
      throw new UsageError(`group: unknown action "${action}"\n\n${groupUsage}`);
  }
}

async function get(
  ctx: ClusterContext,
  name: string,
  first: RolloutGroupObject,
  watch: boolean,
  out: Out,
): Promise<number> {
  if (!watch) {
    out(renderGroup(first));
    return 0;
  }
  let last = '';
  for (;;) {
    const view = renderGroup(await getGroup(ctx, name));
    if (view !== last) {
      out((process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n') + view);
      last = view;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** What `bellwether promote` writes, on each member in progress that the group lists. */
async function promote(ctx: ClusterContext, g: RolloutGroupObject, full: boolean, out: Out): Promise<number> {
  const progressing = (g.status?.members ?? []).filter((m) => m.state === 'Progressing');
  let promoted = 0;
  for (const member of progressing) {
    const rollout = await ctx.getRollout(member.name);
    if (full) {
      await ctx.patchRolloutStatus(member.name, { promoteFull: true, pauseConditions: null });
    } else if (rollout.status?.pauseConditions?.length) {
      await ctx.patchRolloutStatus(member.name, { pauseConditions: null }, rollout.metadata.resourceVersion);
    } else {
      out(`rollout "${member.name}" is not paused at a step; left as it is\n`);
      continue;
    }
    promoted++;
    out(`rollout "${member.name}" ${full ? 'fully promoted' : 'promoted'}\n`);
  }
  if (promoted === 0)
    throw new Error(
      `rolloutgroup "${g.metadata.name}" has no member to promote (${full ? 'none in progress' : 'none paused at a step'})`,
    );
  return 0;
}

async function retry(ctx: ClusterContext, g: RolloutGroupObject, out: Out): Promise<number> {
  if (g.status?.abort) await patchGroupStatus(ctx, g.metadata.name, { abort: false });
  for (const member of (g.status?.members ?? []).filter((m) => m.state === 'Aborted')) {
    await ctx.patchRolloutStatus(member.name, { abort: false });
    out(`rollout "${member.name}" retried\n`);
  }
  out(`rolloutgroup "${g.metadata.name}" goes on\n`);
  return 0;
}

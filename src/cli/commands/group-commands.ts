import { rolloutGroupPlural, type RolloutGroupObject } from '../../controller/group/group-object.ts';
import { group, version } from '../../kube/names.ts';
import { describeError, statusCode } from '../../log.ts';
import { ClusterContext } from '../cluster-context.ts';
import { clusterFlags, parseFlags, requirePositional, UsageError } from '../flags.ts';
import {
  applyGroupPlan,
  groupAbortPlan,
  groupPromotePlan,
  groupRetryPlan,
  type GroupPlan,
} from '../../operations/group-operations.ts';
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

/** Sends a plan of group-operations.ts and says what it did, member by member. */
async function apply(ctx: ClusterContext, name: string, plan: GroupPlan, out: Out): Promise<void> {
  await applyGroupPlan(ctx.custom, { namespace: ctx.namespace, name }, plan, 'bellwether-cli');
  for (const skipped of plan.skipped) out(`rollout "${skipped.name}" ${skipped.reason}\n`);
  for (const member of plan.rollouts) out(`rollout "${member.name}" ${member.done}\n`);
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
    case 'promote': {
      const rollouts = new Map((await ctx.listRollouts()).map((ro) => [ro.metadata.name, ro]));
      await apply(
        ctx,
        name,
        groupPromotePlan(current, (n) => rollouts.get(n), values.full === true),
        out,
      );
      return 0;
    }
    case 'abort':
      await apply(ctx, name, groupAbortPlan(), out);
      out(`rolloutgroup "${name}" aborted: members in progress abort, nothing new starts\n`);
      return 0;
    case 'retry':
      await apply(ctx, name, groupRetryPlan(current), out);
      out(`rolloutgroup "${name}" goes on\n`);
      return 0;
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

import {
  abortPatches,
  pausePatches,
  promoteFullPatches,
  promotePatches,
  restartPatches,
  resumePatches,
  retryPatches,
  undoPatches,
  type RolloutPatch,
} from '../../operations/rollout-operations.ts';
import { ClusterContext } from '../cluster-context.ts';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { statusCode } from '../../log.ts';
import { clusterFlags, parseDurationFlag, parseFlags, requirePositional, UsageError } from '../flags.ts';
import { renderRollout, renderRolloutList } from '../render-rollout.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

/** `get rollout NAME [--watch]` */
export async function getCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...clusterFlags, watch: { type: 'boolean', short: 'w' } },
    'get',
  );
  const kind = requirePositional(positionals, 0, 'kind (rollout)', 'get');
  if (!['rollout', 'rollouts', 'ro'].includes(kind)) throw new UsageError(`get: unknown kind "${kind}"`);
  const ctx = ClusterContext.fromFlags(values);
  const name = positionals[1];
  if (!name) {
    out(renderRolloutList(await ctx.listRollouts()));
    return 0;
  }
  const render = async () => {
    const rollout = await ctx.getRollout(name);
    return renderRollout(rollout, await ctx.replicaSetsOf(rollout));
  };
  if (!values.watch) {
    out(await render());
    return 0;
  }
  // Live view: redraw whenever what would be shown changes, until interrupted.
  let last = '';
  for (;;) {
    const view = await render();
    if (view !== last) {
      out((process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n') + view);
      last = view;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** `list rollouts` */
export async function listCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values } = parseFlags(args, clusterFlags, 'list');
  out(renderRolloutList(await ClusterContext.fromFlags(values).listRollouts()));
  return 0;
}

/** promote [--full]: the patches of src/operations/rollout-operations.ts (see there for why). */
export async function promoteCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...clusterFlags, full: { type: 'boolean' } }, 'promote');
  const name = requirePositional(positionals, 0, 'rollout name', 'promote');
  const ctx = ClusterContext.fromFlags(values);
  const rollout = await ctx.getRollout(name);
  if (values.full) {
    await ctx.applyPatches(name, promoteFullPatches(rollout));
    out(`rollout "${name}" fully promoted\n`);
    return 0;
  }
  // A conflict from a controller write that did not move the step (e.g. it cleared
  // status.outbox after delivering the Events) is retried on the new resourceVersion; one that
  // moved the step (or the pause, or the version) is reported: promoting again could skip two.
  const position = (ro: RolloutObject) =>
    JSON.stringify([
      ro.status?.currentStepIndex,
      ro.status?.pauseConditions?.length ?? 0,
      ro.status?.currentPodHash,
    ]);
  for (let attempt = 0, current = rollout; ; attempt++) {
    try {
      await ctx.applyPatches(name, promotePatches(current));
      break;
    } catch (err) {
      if (statusCode(err) !== 409 || attempt >= 4) throw err;
      const fresh = await ctx.getRollout(name);
      if (position(fresh) !== position(rollout)) throw err;
      current = fresh;
    }
  }
  out(`rollout "${name}" promoted\n`);
  return 0;
}

function simpleCommand(command: string, patches: () => RolloutPatch[], done: string) {
  return async (args: string[], out: Out = stdout): Promise<number> => {
    const { values, positionals } = parseFlags(args, clusterFlags, command);
    const name = requirePositional(positionals, 0, 'rollout name', command);
    const ctx = ClusterContext.fromFlags(values);
    await ctx.getRollout(name); // a clear "not found" before patching
    await ctx.applyPatches(name, patches());
    out(`rollout "${name}" ${done}\n`);
    return 0;
  };
}

export const abortCommand = simpleCommand('abort', abortPatches, 'aborted');
export const retryCommand = simpleCommand('retry', retryPatches, 'retried');
export const pauseCommand = simpleCommand('pause', pausePatches, 'paused');
export const resumeCommand = simpleCommand('resume', resumePatches, 'resumed');
export const restartCommand = simpleCommand('restart', () => restartPatches(new Date()), 'restarted');

/** undo [--to-revision N]: puts an earlier ReplicaSet's pod template back into spec.template. */
export async function undoCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...clusterFlags, 'to-revision': { type: 'string' } },
    'undo',
  );
  const name = requirePositional(positionals, 0, 'rollout name', 'undo');
  const ctx = ClusterContext.fromFlags(values);
  const rollout = await ctx.getRollout(name);
  const wanted = values['to-revision'];
  let toRevision: number | undefined;
  if (wanted !== undefined) {
    toRevision = Number(wanted);
    if (!Number.isInteger(toRevision) || toRevision < 1)
      throw new UsageError(`--to-revision: "${wanted}" is not a revision`);
  }
  const { patches, revision } = undoPatches(rollout, await ctx.replicaSetsOf(rollout), toRevision);
  await ctx.applyPatches(name, patches);
  out(`rollout "${name}" rolled back to revision ${revision}\n`);
  return 0;
}

/** set image NAME CONTAINER=IMAGE [...] */
export async function setCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, clusterFlags, 'set');
  if (positionals[0] !== 'image')
    throw new UsageError('set: only "set image NAME CONTAINER=IMAGE" is supported');
  const name = requirePositional(positionals, 1, 'rollout name', 'set image');
  const pairs = positionals.slice(2);
  if (pairs.length === 0) throw new UsageError('set image: missing CONTAINER=IMAGE');
  const ctx = ClusterContext.fromFlags(values);
  const rollout = await ctx.getRollout(name);
  const containers = rollout.spec.template?.spec?.containers ?? [];
  const ops = pairs.map((pair) => {
    const [container, image] = pair.split('=', 2);
    if (!container || !image) throw new UsageError(`set image: "${pair}" is not CONTAINER=IMAGE`);
    const index = containers.findIndex((c) => c.name === container);
    if (index < 0) {
      throw new Error(
        `rollout "${name}": spec.template.spec.containers has no container "${container}" (has: ${containers.map((c) => c.name).join(', ')})`,
      );
    }
    return { op: 'replace', path: `/spec/template/spec/containers/${index}/image`, value: image };
  });
  await ctx.jsonPatchRollout(name, ops);
  out(`rollout "${name}" image updated\n`);
  return 0;
}

/**
 * status NAME [--timeout D]: waits while the rollout progresses; exit 0 when Healthy, 1 when
 * Degraded, 2 on timeout. Prints each new message as it changes.
 */
export async function statusCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { ...clusterFlags, timeout: { type: 'string' }, watch: { type: 'boolean' } },
    'status',
  );
  const name = requirePositional(positionals, 0, 'rollout name', 'status');
  const timeoutMs = values.timeout ? parseDurationFlag(values.timeout, 'timeout') : Infinity;
  const ctx = ClusterContext.fromFlags(values);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const rollout = await ctx.getRollout(name);
    const status = rollout.status ?? {};
    const settled = status.observedGeneration === rollout.metadata.generation;
    const line = `${status.phase ?? 'Unknown'}${status.message ? ` - ${status.message}` : ''}`;
    if (line !== last) {
      out(line + '\n');
      last = line;
    }
    if (settled && status.phase === 'Healthy') return 0;
    if (settled && status.phase === 'Degraded') return 1;
    if (Date.now() >= deadline) {
      out(`timed out after ${values.timeout ?? ''} waiting for rollout "${name}"\n`);
      return 2;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

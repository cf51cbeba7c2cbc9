import { podTemplateHashLabel } from '../../controller/pod-template-hash.ts';
import { hashOf, revisionOf } from '../../controller/replica-sets.ts';
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

/**
 * promote [--full]: the same patches `kubectl patch` could make. At a pause step, clearing
 * pauseConditions tells the controller the pause is over (it still holds controllerPause, so it
 * knows to advance); elsewhere the step index moves on, guarded by resourceVersion so a
 * concurrent controller write cannot make one promote skip two steps.
 */
export async function promoteCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...clusterFlags, full: { type: 'boolean' } }, 'promote');
  const name = requirePositional(positionals, 0, 'rollout name', 'promote');
  const ctx = ClusterContext.fromFlags(values);
  const rollout = await ctx.getRollout(name);
  if (values.full) {
    await ctx.patchRolloutStatus(name, { promoteFull: true, pauseConditions: null });
    if (rollout.spec.paused) await ctx.patchRollout(name, { spec: { paused: false } });
    out(`rollout "${name}" fully promoted\n`);
    return 0;
  }
  if (rollout.spec.paused) await ctx.patchRollout(name, { spec: { paused: false } });
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
      await promoteStep(ctx, name, current);
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

async function promoteStep(ctx: ClusterContext, name: string, rollout: RolloutObject): Promise<void> {
  const status = rollout.status ?? {};
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  if (status.pauseConditions?.length) {
    await ctx.patchRolloutStatus(name, { pauseConditions: null }, rollout.metadata.resourceVersion);
  } else if ((status.currentStepIndex ?? 0) < steps.length && status.currentPodHash !== status.stableRS) {
    await ctx.patchRolloutStatus(
      name,
      { currentStepIndex: (status.currentStepIndex ?? 0) + 1 },
      rollout.metadata.resourceVersion,
    );
  } else if (!rollout.spec.paused) {
    throw new Error(`rollout "${name}" has nothing to promote (phase ${status.phase ?? 'Unknown'})`);
  }
}

function simpleStatusCommand(command: string, status: object, done: string) {
  return async (args: string[], out: Out = stdout): Promise<number> => {
    const { values, positionals } = parseFlags(args, clusterFlags, command);
    const name = requirePositional(positionals, 0, 'rollout name', command);
    const ctx = ClusterContext.fromFlags(values);
    await ctx.getRollout(name); // a clear "not found" before patching
    await ctx.patchRolloutStatus(name, status);
    out(`rollout "${name}" ${done}\n`);
    return 0;
  };
}

function simpleSpecCommand(command: string, spec: () => object, done: string) {
  return async (args: string[], out: Out = stdout): Promise<number> => {
    const { values, positionals } = parseFlags(args, clusterFlags, command);
    const name = requirePositional(positionals, 0, 'rollout name', command);
    const ctx = ClusterContext.fromFlags(values);
    await ctx.getRollout(name);
    await ctx.patchRollout(name, { spec: spec() });
    out(`rollout "${name}" ${done}\n`);
    return 0;
  };
}

export const abortCommand = simpleStatusCommand('abort', { abort: true }, 'aborted');
export const retryCommand = simpleStatusCommand('retry', { abort: false }, 'retried');
export const pauseCommand = simpleSpecCommand('pause', () => ({ paused: true }), 'paused');
export const resumeCommand = simpleSpecCommand('resume', () => ({ paused: false }), 'resumed');
export const restartCommand = simpleSpecCommand(
  'restart',
  () => ({ restartAt: new Date().toISOString() }),
  'restarted',
);

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
  const sets = (await ctx.replicaSetsOf(rollout)).sort((a, b) => revisionOf(b) - revisionOf(a));
  const wanted = values['to-revision'];
  let target;
  if (wanted === undefined) {
    target = sets.find((rs) => hashOf(rs) !== rollout.status?.currentPodHash);
  } else {
    const revision = Number(wanted);
    if (!Number.isInteger(revision) || revision < 1)
      throw new UsageError(`--to-revision: "${wanted}" is not a revision`);
    target = sets.find((rs) => revisionOf(rs) === revision);
  }
  if (!target?.spec?.template) {
    const known = sets.map(revisionOf).join(', ') || 'none';
    throw new Error(
      `rollout "${name}": no ${wanted ? `revision ${wanted}` : 'previous revision'} to undo to (known: ${known})`,
    );
  }
  const template = structuredClone(target.spec.template);
  if (template.metadata?.labels) {
    // the hash label belongs to the ReplicaSet, not to the Rollout's template
    const { [podTemplateHashLabel]: _hash, ...labels } = template.metadata.labels;
    template.metadata.labels = labels;
  }
  await ctx.jsonPatchRollout(name, [{ op: 'replace', path: '/spec/template', value: template }]);
  out(`rollout "${name}" rolled back to revision ${revisionOf(target)}\n`);
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

import { bellwether } from '../../test/support/cli.ts';
import type { StatusView } from './history.ts';
import { sleep } from './retry.ts';
import type { RolloutPlan } from './scenario.ts';

/**
 * An operator of one Rollout, as a person at a terminal: once the new version is under way it
 * waits its (random) delay, then runs `bellwether abort`, or waits until the Rollout is paused at
 * its manual gate and runs `bellwether promote`. A failed command (API server restarting, a
 * conflict) is tried again while the Rollout is still seen at its gate, never once it passed.
 */
export interface OperatorContext {
  kubeconfig: string;
  namespace: string;
  /** The Rollout's status as last seen (the driver's watch). */
  status: (name: string) => Promise<StatusView | undefined>;
  stopped: () => boolean;
  /** Every command run and how it ended. */
  log: (line: string) => void;
}

/** The manual gate: canary's last step (3), A/B's wait once its 2 steps are done, blue-green's pause before the switch. */
export function atGate(plan: RolloutPlan, s: StatusView): boolean {
  if (!s.paused || s.abort || !s.currentPodHash || s.currentPodHash === s.stableRS) return false;
  if (plan.strategy === 'blue-green') return true;
  const gate = plan.strategy === 'ab-test' ? 2 : 3;
  return s.currentStepIndex === gate;
}

export async function operate(plan: RolloutPlan, oldHash: string, ctx: OperatorContext): Promise<void> {
  if (plan.operator === 'none') return;
  const underWay = (s: StatusView | undefined) =>
    s !== undefined && s.currentPodHash !== undefined && s.currentPodHash !== oldHash;
  await until(ctx, plan.name, underWay);
  await sleep(plan.operatorDelayMs);
  if (plan.operator === 'abort') {
    await command(ctx, plan.name, 'abort', (s) => s.abort !== true);
    return;
  }
  await until(ctx, plan.name, (s) => s !== undefined && atGate(plan, s));
  await command(ctx, plan.name, 'promote', (s) => atGate(plan, s));
}

async function until(
  ctx: OperatorContext,
  name: string,
  ready: (s: StatusView | undefined) => boolean,
): Promise<void> {
  while (!ctx.stopped()) {
    if (ready(await ctx.status(name))) return;
    await sleep(1000);
  }
}

/**
 * Runs the command until it succeeds. A failed one is run again only while the Rollout is still
 * seen needing it after a while: the command may have worked and still failed to say so (the API
 * server went away mid-answer), and a second promote of a Rollout that already left its gate
 * would move it past the step it is on.
 */
async function command(
  ctx: OperatorContext,
  name: string,
  verb: 'promote' | 'abort',
  needed: (s: StatusView) => boolean,
): Promise<void> {
  while (!ctx.stopped()) {
    const s = await ctx.status(name);
    if (s !== undefined && !needed(s)) return;
    const result = await bellwether(ctx.kubeconfig, [verb, name, '-n', ctx.namespace]);
    ctx.log(`${verb} ${name}: exit ${String(result.code)} ${result.stderr.trim()}`);
    if (result.code === 0) return;
    for (let waited = 0; waited < 15_000 && !ctx.stopped(); waited += 1000) {
      const now = await ctx.status(name);
      if (now !== undefined && !needed(now)) return;
      await sleep(1000);
    }
  }
}

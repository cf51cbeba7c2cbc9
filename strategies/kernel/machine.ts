/**
 * What the strategy machines (canary, blue-green, A/B) share: the `hold` region (spec.paused), the
 * shape of their state value, and the types of their eventless transitions. Pure, types and
 * constants only: each machine keeps its own guards and actions.
 */

/** The `hold` region: running, or held by the user (`spec.paused`). */
export const Hold = { running: 'running', heldByUser: 'heldByUser' } as const;
export type Hold = (typeof Hold)[keyof typeof Hold];

// A type alias, not an interface: xstate's StateValue needs the implicit index signature.
/** A strategy machine's state value: its own lifecycle region, and the hold region. */
export type LayeredStateValue<Lifecycle extends string> = {
  lifecycle: Lifecycle;
  hold: Hold;
};

/** What xstate's `setup()` returns, as far as the state config types go. */
interface MachineSetup {
  createStateConfig: (config: never) => unknown;
}
type StateConfigOf<Setup extends MachineSetup> = Parameters<Setup['createStateConfig']>[0];

/** One eventless transition of a machine, typed against its guards and actions. */
export type EventlessTransition<Setup extends MachineSetup> = Extract<
  NonNullable<StateConfigOf<Setup>['always']>,
  readonly unknown[]
>[number];

/** One action of an eventless transition of a machine. */
export type EventlessTransitionAction<Setup extends MachineSetup> = Extract<
  NonNullable<Extract<EventlessTransition<Setup>, { actions?: unknown }>['actions']>,
  readonly unknown[]
>[number];

/**
 * A strategy machine's effects: the custom actions it returns, one per thing that happened. They
 * run nothing; the strategy's `events.ts` turns them into Kubernetes Events. Each strategy
 * declares its effects once, as a map from name to `effect<Params>()`; that one declaration is
 * the machine's action implementations (spread into `setup()`), the effect type
 * (`EffectOf<typeof declaration>`) and the filter that picks them out of the machine's actions.
 */

/** The implementation of one effect in the machine: nothing, the caller interprets it. */
export type Report<Params> = (_args: unknown, _params: Params) => void;

/** Declares one effect and the params it carries. */
export function effect<Params extends object = Record<string, never>>(): Report<Params> {
  return () => undefined;
}

/** The effects a declaration names, as the `{ type, params }` actions xstate returns. */
export type EffectOf<Declaration extends Record<string, Report<never>>> = {
  [Type in keyof Declaration & string]: {
    type: Type;
    params: Declaration[Type] extends Report<infer Params> ? Params : never;
  };
}[keyof Declaration & string];

/** The effects among a machine's actions (xstate also returns its built-in ones, e.g. assign). */
export function effectsIn<Declaration extends Record<string, Report<never>>>(
  declaration: Declaration,
): (actions: readonly { type: string; params?: unknown }[]) => EffectOf<Declaration>[] {
  return (actions) =>
    actions.filter((action) => Object.hasOwn(declaration, action.type)) as EffectOf<Declaration>[];
}

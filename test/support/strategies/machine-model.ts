/**
 * Scaffolding for the model-based tests of the strategy machines (canary, blue-green, A/B): each
 * machine is explored with `xstate/graph` over a small abstract world, and the checks the design
 * relies on are the same for all of them:
 * - state lives in status: the lifecycle state is what the machine's `...FromContext` reads back;
 * - a reconcile is a fixpoint: the same observation again changes nothing and reports nothing;
 * - every transition of the machine is taken somewhere.
 * A test gives its world (the events between two reconciles), registers those shared checks with
 * `itPassesTheSharedChecks`, and keeps its own assertions.
 */
import {
  createActor,
  transition,
  type ActorLogic,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type ContextFrom,
  type EventFromLogic,
  type Snapshot as ActorSnapshot,
  type SnapshotFrom,
} from 'xstate';
import { getAdjacencyMap, getShortestPaths, type AdjacencyMap, type StatePath } from 'xstate/graph';
import { expect, it } from 'vitest';
import { Hold } from '../../../strategies/kernel/machine.ts';

/** Two instants: T0, and T1 long enough after it for every pause and deadline of the models. */
export const T0 = 1_000_000;
export const T1 = T0 + 600_000;
/** The versions a model world deploys, one after another. */
export const VERSIONS = ['v1', 'v2', 'v3'] as const;

/** The value after `value` in `values`, round and round (the first one after an unknown value). */
export const nextOf = <T extends string>(values: readonly T[], value: string | undefined): T =>
  values[(values.indexOf(value as T) + 1) % values.length] ?? values[0] ?? (value as T);

/** A reconcile in the model: optionally an operator's status patch, then one observation. */
export interface ModelEvent<Context, Observation> {
  type: 'RECONCILE';
  label: string;
  operator?: Partial<Context>;
  observation: Observation;
}

/**
 * The events of a model world seen from one state: each is the `quiet` observation (nothing
 * changed) with some of it changed, and optionally an operator's status patch first.
 */
export function reconcileEvents<Context, Observation>(quiet: Observation) {
  return (
    label: string,
    observation: Partial<Observation>,
    operator?: Partial<Context>,
  ): ModelEvent<Context, Observation> => ({
    type: 'RECONCILE',
    label,
    observation: { ...quiet, ...observation },
    ...(operator ? { operator } : {}),
  });
}

/** Available pods in a model world: all of the stable version's, `current` of the current one's. */
export function availablePods(
  context: { stableRS: string | undefined; currentPodHash: string | undefined },
  replicas: number,
  current: number,
): Record<string, number> {
  const { stableRS, currentPodHash } = context;
  const pods: Record<string, number> = {};
  if (stableRS !== undefined) pods[stableRS] = replicas;
  if (currentPodHash !== undefined && currentPodHash !== stableRS) pods[currentPodHash] = current;
  return pods;
}

/** The two parallel regions every strategy machine has. */
interface LayeredValue {
  hold: string;
  lifecycle: string;
}

export interface ModelWorld<M extends AnyStateMachine> {
  machine: M;
  /** The context of a fresh Rollout (empty status): the model starts there, running. */
  initialContext: ContextFrom<M>;
  /** Everything that can happen between two reconciles, seen from `snapshot`. */
  events: (snapshot: SnapshotFrom<M>) => ModelEvent<ContextFrom<M>, EventFromLogic<M>>[];
  /** The lifecycle state as the controller reads it back from the context recorded in status. */
  lifecycleFromContext: (context: ContextFrom<M>) => string;
  /** Context fields that do not tell states apart (e.g. the attempt, which only grows). */
  ignoredContext: readonly (keyof ContextFrom<M>)[];
}

export interface ModelEdge<M extends AnyStateMachine> {
  state: SnapshotFrom<M>;
  event: ModelEvent<ContextFrom<M>, EventFromLogic<M>>;
  next: SnapshotFrom<M>;
}

/** Object.values for records keyed by xstate's branded strings (which Object.values types as any). */
const valuesOf = <K extends string, V>(record: Record<K, V>): V[] =>
  (Object.keys(record) as K[]).map((key) => record[key]);

/** A machine snapshot as the model reads it (a generic SnapshotFrom<M> does not show its fields). */
const fieldsOf = (snapshot: unknown) => snapshot as { value: LayeredValue; context: unknown };
const valueOf = (snapshot: unknown): LayeredValue => fieldsOf(snapshot).value;

/** Explores every state of `world` reachable from its initial snapshot. */
export function exploreMachine<M extends AnyStateMachine>(world: ModelWorld<M>) {
  type Snapshot = SnapshotFrom<M>;
  type Event = ModelEvent<ContextFrom<M>, EventFromLogic<M>>;
  const { machine } = world;
  const contextOf = (snapshot: Snapshot) => fieldsOf(snapshot).context as ContextFrom<M>;
  /** A snapshot as the controller rebuilds it from status, with the hold region as given. */
  const resolve = (hold: string, context: ContextFrom<M>): Snapshot =>
    machine.resolveState({
      value: { hold, lifecycle: world.lifecycleFromContext(context) },
      context,
    }) as Snapshot;
  const initialSnapshot = resolve(Hold.running, world.initialContext);

  /**
   * The controller's view of a reconcile: the operator's patch lands in status, the snapshot is
   * rebuilt from status (as every reconcile does), then the machine runs.
   */
  const rebuiltFromStatus = (snapshot: Snapshot, event: Event): Snapshot => {
    const context = { ...(contextOf(snapshot) as object), ...event.operator } as ContextFrom<M>;
    return resolve(valueOf(snapshot).hold, context);
  };
  const reconcileInModel = (snapshot: Snapshot, event: Event): Snapshot =>
    transition(machine, rebuiltFromStatus(snapshot, event), event.observation)[0];

  const modelLogic = {
    transition: reconcileInModel,
    getInitialSnapshot: () => initialSnapshot,
    getPersistedSnapshot: (snapshot: Snapshot) => snapshot,
  } as unknown as ActorLogic<Snapshot, Event>;

  const serializeState = (snapshot: Snapshot): string => {
    const context: Record<string, unknown> = { ...(contextOf(snapshot) as object) };
    for (const key of world.ignoredContext) Reflect.deleteProperty(context, key);
    return JSON.stringify({ value: valueOf(snapshot), context });
  };
  const traversal = {
    events: world.events,
    fromState: initialSnapshot,
    serializeState,
    serializeEvent: (event: Event) => event.label,
  };

  const adjacency: AdjacencyMap<Snapshot, Event> = getAdjacencyMap<Snapshot, Event, undefined>(
    modelLogic,
    traversal,
  );
  const vertices = valuesOf(adjacency);
  const edges: ModelEdge<M>[] = vertices.flatMap(({ state, transitions }) =>
    valuesOf(transitions).map(({ event, state: next }) => ({ state, event, next })),
  );

  /** Every transition definition of the machine, eventless or not. */
  const allTransitions = (): AnyTransitionDefinition[] => {
    const found: AnyTransitionDefinition[] = [];
    const visit = (node: AnyStateMachine['root']): void => {
      found.push(...(node.always ?? []), ...Object.values(node.on).flat());
      for (const child of Object.values(node.states)) visit(child);
    };
    visit(machine.root);
    return found;
  };

  return {
    initialSnapshot,
    rebuiltFromStatus,
    reconcileInModel,
    serializeState,
    adjacency,
    vertices,
    edges,
    shortestPaths: (): StatePath<Snapshot, Event>[] => getShortestPaths(modelLogic, traversal),

    /** `lifecycle/hold` of every reachable state. */
    reachedStates: (): Set<string> =>
      new Set(vertices.map(({ state }) => `${valueOf(state).lifecycle}/${valueOf(state).hold}`)),

    expectLifecycleReadableFromStatus(): void {
      for (const { state } of vertices) {
        expect(world.lifecycleFromContext(contextOf(state)), serializeState(state)).toBe(
          valueOf(state).lifecycle,
        );
      }
    },

    /** The same observation again changes nothing, and `effectsOf` finds nothing reported. */
    expectFixpoint(
      effectsOf: (actions: ReturnType<typeof transition>[1]) => unknown[],
      alsoCheck?: (again: Snapshot, next: Snapshot) => void,
    ): void {
      for (const { state, event, next } of edges) {
        const [again, actions] = transition(machine, next, event.observation);
        expect(serializeState(again), `${serializeState(state)} + ${event.label}`).toBe(serializeState(next));
        alsoCheck?.(again, next);
        expect(effectsOf(actions)).toEqual([]);
      }
    },

    /** The transitions no edge of the model takes, each as `describe` tells it. */
    transitionsNotTaken(describe: (definition: AnyTransitionDefinition) => string): string[] {
      const taken = new Set<AnyTransitionDefinition>();
      for (const { state, event } of edges) {
        const actor = createActor(machine as AnyStateMachine, {
          snapshot: rebuiltFromStatus(state, event),
          inspect: (inspection) => {
            if (inspection.type === '@xstate.microstep')
              for (const t of inspection._transitions) taken.add(t);
          },
        });
        actor.start();
        actor.send(event.observation);
        actor.stop();
      }
      return allTransitions()
        .filter((definition) => !taken.has(definition))
        .map(describe);
    },
  };
}

export type ExploredModel<M extends AnyStateMachine> = ReturnType<typeof exploreMachine<M>>;

/** A transition as a failing check names it: source, event, guard, targets and actions. */
function describeTransition(definition: AnyTransitionDefinition): string {
  const guard = definition.guard ? JSON.stringify(definition.guard) : 'always';
  const targets = definition.target?.map((node) => node.id).join(',') ?? '(self)';
  return `${definition.source.id} --${definition.eventType || 'always'} [${guard}]--> ${targets} ${JSON.stringify(definition.actions)}`;
}

/**
 * Registers the checks every strategy machine's model passes (see the header): every lifecycle
 * state reached held and not, the lifecycle readable from status everywhere, each reconcile a
 * fixpoint (`effectsOf` finds nothing reported the second time; `alsoAtFixpoint` checks more),
 * and every transition of the machine taken. `atLeast` guards against a world that shrank.
 */
export function itPassesTheSharedChecks<M extends AnyStateMachine>(
  model: ExploredModel<M>,
  checks: {
    lifecycles: Record<string, string>;
    effectsOf: (actions: ReturnType<typeof transition>[1]) => unknown[];
    alsoAtFixpoint?: (again: SnapshotFrom<M>, next: SnapshotFrom<M>) => void;
    atLeast?: { states?: number; edges?: number };
  },
): void {
  it('reaches every lifecycle state, held and not', () => {
    const reached = model.reachedStates();
    for (const lifecycle of Object.values(checks.lifecycles)) {
      for (const hold of Object.values(Hold)) expect(reached).toContain(`${lifecycle}/${hold}`);
    }
    expect(model.vertices.length).toBeGreaterThan(checks.atLeast?.states ?? 0);
    expect(model.edges.length).toBeGreaterThan(checks.atLeast?.edges ?? 0);
  });

  it('keeps the lifecycle state readable from status in every reachable state', () => {
    model.expectLifecycleReadableFromStatus();
  });

  // The exploration runs tens of thousands of transitions: give the slow CI machine room.
  it(
    'is a fixpoint: the same observation again changes nothing and reports nothing',
    { timeout: 60_000 },
    () => {
      model.expectFixpoint(checks.effectsOf, checks.alsoAtFixpoint);
    },
  );

  it('takes every transition of the machine', { timeout: 60_000 }, () => {
    expect(model.transitionsNotTaken(describeTransition)).toEqual([]);
  });
}

/** The labels of the reconciles on the first path to a state in `lifecycle` (xstate's init step left out). */
export function labelsTo<S extends ActorSnapshot<unknown>, E extends { type: string; label: string }>(
  paths: StatePath<S, E>[],
  lifecycle: string,
): string[] | undefined {
  return paths
    .find((path) => valueOf(path.state).lifecycle === lifecycle)
    ?.steps.slice(1)
    .map((step) => step.event.label);
}

/**
 * Scaffolding for the model-based tests of the strategy machines (canary, blue-green, A/B): each
 * machine is explored with `xstate/graph` over a small abstract world, and the checks the design
 * relies on are the same for all of them:
 * - state lives in status: the lifecycle state is what the machine's `...FromContext` reads back;
 * - a reconcile is a fixpoint: the same observation again changes nothing and reports nothing;
 * - every transition of the machine is taken somewhere.
 * A test gives its world (the events between two reconciles) and keeps its own assertions.
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
import { expect } from 'vitest';

/** A reconcile in the model: optionally an operator's status patch, then one observation. */
export interface ModelEvent<Context, Observation> {
  type: 'RECONCILE';
  label: string;
  operator?: Partial<Context>;
  observation: Observation;
}

/** The two parallel regions every strategy machine has. */
interface LayeredValue {
  hold: string;
  lifecycle: string;
}

export interface ModelWorld<M extends AnyStateMachine> {
  machine: M;
  initialSnapshot: SnapshotFrom<M>;
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
  const { machine, initialSnapshot } = world;
  const contextOf = (snapshot: Snapshot) => fieldsOf(snapshot).context as ContextFrom<M>;

  /**
   * The controller's view of a reconcile: the operator's patch lands in status, the snapshot is
   * rebuilt from status (as every reconcile does), then the machine runs.
   */
  const rebuiltFromStatus = (snapshot: Snapshot, event: Event): Snapshot => {
    const context = { ...(contextOf(snapshot) as object), ...event.operator } as ContextFrom<M>;
    return machine.resolveState({
      value: { hold: valueOf(snapshot).hold, lifecycle: world.lifecycleFromContext(context) },
      context,
    }) as Snapshot;
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

/**
 * A tiny pure model of what the imperative shell and the Kubernetes controllers do with a
 * `StrategyDecision`, for tests that drive a strategy through many reconciles without I/O:
 * ReplicaSets are scaled to the desired counts (the RS controller deletes unavailable pods
 * first), deadline annotations are written or removed, status is replaced, and pods turn
 * available only when a test says so. Time moves only when a test advances it.
 */
import type {
  ReplicaSetView,
  RolloutSpecView,
  RolloutStatusView,
  StrategyDecision,
  StrategyInput,
} from '../types.ts';

export interface SimulatedWorld {
  generation: number;
  spec: RolloutSpecView;
  status: RolloutStatusView;
  currentPodHash: string;
  replicaSets: ReplicaSetView[];
  now: number;
}

export function inputOf(world: SimulatedWorld): StrategyInput {
  return {
    generation: world.generation,
    spec: world.spec,
    status: world.status,
    currentPodHash: world.currentPodHash,
    replicaSets: world.replicaSets,
    now: world.now,
  };
}

/** A ReplicaSet with `count` pods, all available. */
export function readyReplicaSet(hash: string, revision: number, count: number): ReplicaSetView {
  return {
    hash,
    revision,
    specReplicas: count,
    replicas: count,
    readyReplicas: count,
    availableReplicas: count,
  };
}

/** Scale one RS the way the ReplicaSet controller would: new pods start unready, unready pods go first. */
export function scaleReplicaSet(view: ReplicaSetView, specReplicas: number): ReplicaSetView {
  if (specReplicas >= view.replicas) return { ...view, specReplicas, replicas: specReplicas };
  return {
    ...view,
    specReplicas,
    replicas: specReplicas,
    readyReplicas: Math.min(view.readyReplicas, specReplicas),
    availableReplicas: Math.min(view.availableReplicas, specReplicas),
  };
}

/** What the shell does with a decision: scale, annotate, replace status. */
export function applyDecision(world: SimulatedWorld, decision: StrategyDecision): SimulatedWorld {
  const replicaSets = world.replicaSets.map((view) => {
    const desired = decision.replicaSets[view.hash];
    let next = desired === undefined ? view : scaleReplicaSet(view, desired);
    if (view.hash in decision.scaleDownDeadlines) {
      const deadline = decision.scaleDownDeadlines[view.hash];
      const { scaleDownDeadline: _removed, ...rest } = next;
      next = deadline === null || deadline === undefined ? rest : { ...rest, scaleDownDeadline: deadline };
    }
    return next;
  });
  return { ...world, replicaSets, status: decision.status };
}

/** Pods of the named RS (or of every RS) become ready and available, up to `count` of them. */
export function makeAvailable(
  world: SimulatedWorld,
  hash?: string,
  count = Number.MAX_SAFE_INTEGER,
): SimulatedWorld {
  return {
    ...world,
    replicaSets: world.replicaSets.map((view) => {
      if (hash !== undefined && view.hash !== hash) return view;
      const availableReplicas = Math.min(view.replicas, view.availableReplicas + count);
      return { ...view, availableReplicas, readyReplicas: Math.max(view.readyReplicas, availableReplicas) };
    }),
  };
}

/** A new pod template: the shell creates its RS (at 0, next revision) and reports its hash. */
export function deployVersion(world: SimulatedWorld, hash: string): SimulatedWorld {
  const existing = world.replicaSets.find((view) => view.hash === hash);
  const revision = Math.max(0, ...world.replicaSets.map((view) => view.revision)) + 1;
  const replicaSets = existing
    ? world.replicaSets
    : [
        ...world.replicaSets,
        { hash, revision, specReplicas: 0, replicas: 0, readyReplicas: 0, availableReplicas: 0 },
      ];
  return { ...world, currentPodHash: hash, replicaSets, generation: world.generation + 1 };
}

export function advanceClock(world: SimulatedWorld, ms: number): SimulatedWorld {
  return { ...world, now: world.now + ms };
}

export function replicaSet(world: SimulatedWorld, hash: string): ReplicaSetView {
  const view = world.replicaSets.find((candidate) => candidate.hash === hash);
  if (!view) throw new Error(`no ReplicaSet ${hash} in the simulated world`);
  return view;
}

/** `[specReplicas of hashA, of hashB, ...]`, the shape scenarios assert on. */
export function specCounts(world: SimulatedWorld, ...hashes: string[]): number[] {
  return hashes.map((hash) => replicaSet(world, hash).specReplicas);
}

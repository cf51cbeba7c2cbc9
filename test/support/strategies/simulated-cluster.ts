/**
 * A tiny pure model of what the imperative shell and the Kubernetes controllers do with a
 * `StrategyDecision`, for tests that drive a strategy through many reconciles without I/O:
 * ReplicaSets are scaled to the desired counts (the RS controller deletes unavailable pods
 * first), deadline annotations are written or removed, status is replaced, and pods turn
 * available only when a test says so. Time moves only when a test advances it.
 *
 * AnalysisRuns: a requested run that does not exist is created Running (named
 * `<rollout>-<id>`, as the shell names it); a Pending/Running run no longer requested is
 * terminated (it ends Successful, "Run Terminated", as Argo Rollouts ends a terminated run).
 * Runs finish only when a test says so (`finishRuns`).
 *
 * Traffic router: the shell applies `decision.traffic` (`traffic` below) and reads the weight
 * back for the next reconcile (`observedTraffic`), unless `routerUnread` says it does not.
 */
import type {
  AnalysisPhase,
  AnalysisRunRequest,
  AnalysisRunView,
  ReplicaSetView,
  RolloutSpecView,
  RolloutStatusView,
  StrategyDecision,
  StrategyInput,
  TrafficDecision,
} from '../../../strategies/types.ts';

/** An AnalysisRun in the simulated world: what the shell shows the core, and what it was for. */
export interface SimulatedRun extends AnalysisRunView {
  kind: AnalysisRunRequest['kind'];
  stepIndex?: number;
}

export interface SimulatedWorld {
  generation: number;
  spec: RolloutSpecView;
  status: RolloutStatusView;
  currentPodHash: string;
  replicaSets: ReplicaSetView[];
  /** Absent = none yet. */
  analysisRuns?: SimulatedRun[];
  /** What the traffic router does now (the last `decision.traffic` applied); absent = nothing yet. */
  traffic?: TrafficDecision;
  /** The shell does not read the router back: the core then relies on status.canary.weights. */
  routerUnread?: boolean;
  now: number;
}

export const ROLLOUT_NAME = 'web';

export function inputOf(world: SimulatedWorld): StrategyInput {
  return {
    generation: world.generation,
    spec: world.spec,
    status: world.status,
    currentPodHash: world.currentPodHash,
    replicaSets: world.replicaSets,
    analysisRuns: (world.analysisRuns ?? []).map(({ kind: _kind, stepIndex: _index, ...view }) => view),
    ...(world.traffic !== undefined &&
      world.routerUnread !== true && { observedTraffic: { canaryWeight: world.traffic.canaryWeight } }),
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
  return {
    ...world,
    replicaSets,
    status: decision.status,
    // An experiment step's Experiment reports its phase under its id, as a run does.
    analysisRuns: syncRuns(world.analysisRuns ?? [], [
      ...(decision.analysisRuns ?? []),
      ...(decision.experiments ?? []).map(({ id, stepIndex }): AnalysisRunRequest => ({
        id,
        kind: 'step',
        stepIndex,
        templates: [],
      })),
    ]),
    ...(decision.traffic !== undefined && { traffic: decision.traffic }),
  };
}

const isRunning = (phase: AnalysisPhase): boolean => phase === 'Pending' || phase === 'Running';

/** What the shell does with `decision.analysisRuns`: create the missing, terminate the unlisted. */
function syncRuns(runs: readonly SimulatedRun[], requests: readonly AnalysisRunRequest[]): SimulatedRun[] {
  const requested = new Set(requests.map((request) => request.id));
  const kept = runs.map((run) =>
    requested.has(run.id) || !isRunning(run.phase)
      ? run
      : { ...run, phase: 'Successful' as const, message: 'Run Terminated' },
  );
  const created = requests
    .filter((request) => !runs.some((run) => run.id === request.id))
    .map((request): SimulatedRun => ({
      id: request.id,
      name: `${ROLLOUT_NAME}-${request.id}`,
      phase: 'Running',
      kind: request.kind,
      ...(request.stepIndex === undefined ? {} : { stepIndex: request.stepIndex }),
    }));
  return [...kept, ...created];
}

/** The running (Pending/Running) runs of `kind` end with `phase`, as the analysis controller would. */
export function finishRuns(
  world: SimulatedWorld,
  kind: SimulatedRun['kind'],
  phase: AnalysisPhase,
  message?: string,
): SimulatedWorld {
  return {
    ...world,
    analysisRuns: (world.analysisRuns ?? []).map((run) => {
      if (run.kind !== kind || !isRunning(run.phase)) return run;
      const { message: _old, ...rest } = run;
      return message === undefined ? { ...rest, phase } : { ...rest, phase, message };
    }),
  };
}

export function analysisRun(world: SimulatedWorld, id: string): SimulatedRun | undefined {
  return world.analysisRuns?.find((run) => run.id === id);
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

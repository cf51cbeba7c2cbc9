/**
 * The contract between the imperative shell (src/controller) and the pure strategy core.
 *
 * The shell observes the cluster, builds a `StrategyInput`, calls the strategy's `reconcile`
 * (a pure function: same input, same output; `now` is the only clock), then executes the
 * returned `StrategyDecision` idempotently: it scales ReplicaSets to `replicaSets[hash]`,
 * writes the annotations, points Services at the hashes in `selectors`, patches `status`
 * (only when it differs from the observed one) and emits `events` after the status patch
 * has been accepted, so an event is never repeated after a crash.
 *
 * These interfaces are structural and narrower than the zod-inferred API types in src/api,
 * so the API types satisfy them without the core importing the schemas.
 */

export type IntOrPercent = number | string;

/**
 * An analysis the Rollout asks for (a step, the background, a promotion analysis). The core
 * reads the templates and passes the rest through; the shell merges `dryRun` and
 * `measurementRetention` into the AnalysisRun with the templates' own.
 */
export interface AnalysisSpecView {
  templates: { templateName: string; clusterScope?: boolean }[];
  args?: unknown[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
}

export interface CanaryStep {
  setWeight?: number;
  pause?: { duration?: string | number };
  setCanaryScale?: { weight?: number; replicas?: number; matchTrafficWeight?: boolean };
  analysis?: AnalysisSpecView;
  /** A header route to the canary (`match` empty or absent = remove the route). Needs a router. */
  setHeaderRoute?: { name: string; match?: HeaderRouteDecision['match'] };
  /** A mirror route to the canary (`match` empty or absent = remove the route). Needs a router. */
  setMirrorRoute?: { name: string; percentage?: number; match?: MirrorRouteDecision['match'] };
  experiment?: unknown;
}

/**
 * The router-independent part of `spec.strategy.canary.trafficRouting` the core reads (the
 * router blocks themselves, nginx / gatewayAPI / istio / smi, are the shell's business).
 */
export interface TrafficRoutingView {
  nginx?: unknown;
  gatewayAPI?: unknown;
  istio?: unknown;
  smi?: unknown;
  alb?: unknown;
  /** Routes setHeaderRoute / setMirrorRoute may set, highest precedence first. */
  managedRoutes?: { name: string }[];
  /** The total setWeight is relative to (default 100). */
  maxTrafficWeight?: number;
}

export interface CanaryStrategySpec {
  steps?: CanaryStep[];
  canaryService?: string;
  stableService?: string;
  maxSurge?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
  scaleDownDelaySeconds?: number;
  abortScaleDownDelaySeconds?: number;
  dynamicStableScale?: boolean;
  trafficRouting?: TrafficRoutingView;
  /** Background analysis: runs from startingStep (default 0) until the rollout completes. */
  analysis?: AnalysisSpecView & { startingStep?: number };
  /** At most this many old ReplicaSets wait out scaleDownDelaySeconds; older ones go at once. */
  scaleDownDelayRevisionLimit?: number;
  /** With a router: a canary or stable RS that has pods has at least this many (Argo). */
  minPodsPerReplicaSet?: number;
  /** Labels / annotations on the canary's pods while it is the canary (kernel/ephemeral-metadata.ts). */
  canaryMetadata?: PodMetadataView;
  /** Labels / annotations on the stable's pods while it is the stable. */
  stableMetadata?: PodMetadataView;
  /** Keep the canary's pods off the stable's nodes (kernel/anti-affinity.ts). */
  antiAffinity?: AntiAffinityView;
  /** A step's pods count as ready at this share of them available (replica-progress-threshold.ts). */
  replicaProgressThreshold?: { type: 'Percent' | 'Pod'; value: number };
}

/** Ephemeral pod metadata (Argo's PodTemplateMetadata). */
export interface PodMetadataView {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Argo's AntiAffinity: exactly one of the two. */
export interface AntiAffinityView {
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number };
  requiredDuringSchedulingIgnoredDuringExecution?: Record<string, never>;
}

/** Blue-green (Argo Rollouts fields). The shell maps previewService -> selectors.canary, activeService -> selectors.stable. */
export interface BlueGreenStrategySpec {
  activeService: string;
  previewService?: string;
  autoPromotionEnabled?: boolean;
  autoPromotionSeconds?: number;
  previewReplicaCount?: number;
  scaleDownDelaySeconds?: number;
  abortScaleDownDelaySeconds?: number;
  prePromotionAnalysis?: AnalysisSpecView;
  postPromotionAnalysis?: AnalysisSpecView;
  /** At most this many old ReplicaSets wait out scaleDownDelaySeconds; older ones go at once. */
  scaleDownDelayRevisionLimit?: number;
  /** Pods a restart (spec.restartAt) may take out of service at once (the shell's restart-pods.ts). */
  maxUnavailable?: IntOrPercent;
  /** Labels / annotations on the new version's pods while it is the preview. */
  previewMetadata?: PodMetadataView;
  /** Labels / annotations on the pods the active Service selects. */
  activeMetadata?: PodMetadataView;
  /** Keep the new version's pods off the active version's nodes. */
  antiAffinity?: AntiAffinityView;
}

/** A/B test (Bellwether addition). The shell maps variants.b.service -> selectors.canary, variants.a.service -> selectors.stable. */
export interface AbTestStrategySpec {
  variants: { a: { service: string; name?: string }; b: { service: string; name?: string } };
  split: { a: number; b: number };
  stickiness: { cookie?: { name: string; maxAgeSeconds?: number }; header?: { name: string } };
  steps?: {
    setSplit?: { a: number; b: number };
    pause?: { duration?: string | number };
    analysis?: AnalysisSpecView;
  }[];
  analysis?: AnalysisSpecView & { startingStep?: number };
  decision?: {
    onSuccess?: 'PromoteB' | 'Wait';
    onFailure?: 'KeepA' | 'Wait';
    onInconclusive?: 'Wait' | 'KeepA' | 'PromoteB';
  };
  trafficRouting: unknown;
  scaleDownDelaySeconds?: number;
}

export interface RollingStrategySpec {
  maxSurge?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
}

export interface RolloutSpecView {
  replicas?: number;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  progressDeadlineAbort?: boolean;
  paused?: boolean;
  rollbackWindow?: { revisions?: number };
  strategy: {
    rolling?: RollingStrategySpec;
    canary?: CanaryStrategySpec;
    blueGreen?: BlueGreenStrategySpec;
    abTest?: AbTestStrategySpec;
  };
}

export interface PauseCondition {
  reason: string; // e.g. 'CanaryPauseStep', 'BlueGreenPause', 'InconclusiveAnalysis'
  startTime: string; // RFC 3339
}

export interface Condition {
  type: string; // Progressing | Available | Paused | Healthy | Completed | InvalidSpec
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';

export interface RolloutStatusView {
  phase?: Phase;
  message?: string;
  observedGeneration?: number;
  currentPodHash?: string;
  stableRS?: string;
  currentStepIndex?: number;
  currentStepHash?: string;
  pauseConditions?: PauseCondition[];
  controllerPause?: boolean;
  abort?: boolean;
  abortedAt?: string;
  promoteFull?: boolean;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  canary?: {
    weights?: { canary: number; stable: number };
    currentStepAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    currentBackgroundAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    /** The current experiment step's Experiment. */
    currentExperiment?: string;
    /** Bumped on every retry so each attempt gets new AnalysisRuns (see AnalysisRunRequest.id). */
    attempt?: number;
    /** canary.pingPong: which Service is stable now (the shell keeps it; the core ignores it). */
    stablePingPong?: 'ping' | 'pong';
  };
  blueGreen?: {
    /** Hash the active Service selects (written once the switch is decided). */
    activeSelector?: string;
    /** Hash the preview Service selects. */
    previewSelector?: string;
    prePromotionAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    postPromotionAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    /** Promotion granted (analysis passed, pause over): the new version scales to spec.replicas. */
    scaleUpPreviewCheckPoint?: boolean;
    /** Bumped on every retry and new version so each attempt gets new AnalysisRuns. */
    attempt?: number;
  };
  /** A/B test state (strategy.abTest). */
  abTest?: {
    /** The split the router was last told (B's share is what TrafficDecision.canaryWeight carries). */
    split?: { a: number; b: number };
    variantAHash?: string;
    variantBHash?: string;
    currentStepAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    currentBackgroundAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    /** The decision taken for this version of B; absent while the test runs. */
    decision?: 'PromoteB' | 'KeepA' | 'Wait';
    /** Bumped for each new B and each retry so each test gets new AnalysisRuns. */
    attempt?: number;
  };
  conditions?: Condition[];
}

/** What the shell observed of one ReplicaSet owned by the Rollout. */
export interface ReplicaSetView {
  hash: string; // rollouts-pod-template-hash
  revision: number; // rollout.bellwether.dev/revision annotation
  specReplicas: number;
  replicas: number; // pods that exist
  readyReplicas: number;
  availableReplicas: number;
  /** Epoch ms after which the shell may scale this RS to zero (from its annotation), if set. */
  scaleDownDeadline?: number;
}

export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/**
 * An AnalysisRun the strategy asked for, as the shell observed it. `id` is the request id the
 * strategy chose (the shell names the run `<rollout>-<id>` and labels it with the id).
 */
export interface AnalysisRunView {
  id: string;
  name: string;
  phase: AnalysisPhase;
  /** Why it ended, e.g. `metric "success-rate" failed: value 0.7 (failed 1 > failureLimit 0)`. */
  message?: string;
}

/** An AnalysisRun that should exist now; the shell creates it from the templates when missing. */
export interface AnalysisRunRequest {
  /** Unique per rollout, stable across reconciles, new for each attempt (label-safe, <= 40 chars). */
  id: string;
  kind: 'step' | 'background' | 'prePromotion' | 'postPromotion';
  stepIndex?: number;
  templates: { templateName: string; clusterScope?: boolean }[];
  args?: unknown[];
}

export interface StrategyInput {
  generation: number;
  spec: RolloutSpecView;
  status: RolloutStatusView; // as observed; never mutated by the core
  /** Hash of the current spec.template (the desired version). Its RS exists in replicaSets. */
  currentPodHash: string;
  replicaSets: ReplicaSetView[];
  /** Every AnalysisRun of this Rollout that carries a request id. */
  /**
   * The verdicts by request id: the AnalysisRuns, and the Experiments of experiment steps (the
   * shell reports an Experiment's phase under its request id, as a run's).
   */
  analysisRuns?: AnalysisRunView[];
  /**
   * The canary weight the traffic router carries now, as the shell read it back from the
   * routing objects (absent = not read: the core then trusts status.canary.weights, which the
   * shell writes only after the router accepted the weight). Ignored without a router.
   */
  observedTraffic?: ObservedTraffic;
  /**
   * Canary only: the highest currentStepIndex the Rollout may reach now, set while a RolloutGroup
   * in lockstep holds it (strategies/group/). A step that would take the index past it is not
   * completed; absent = no limit.
   */
  maxStepIndex?: number;
  now: number; // epoch ms
}

/** What the traffic router does now (read back from the routing objects). */
export interface ObservedTraffic {
  /** Percent of all traffic to the canary, 0..100 (same scale as TrafficDecision.canaryWeight). */
  canaryWeight: number;
}

export interface RolloutEvent {
  type: 'Normal' | 'Warning';
  reason: string; // e.g. RolloutStepStarted, RolloutStepCompleted, RolloutPaused, RolloutPromoted, RolloutAborted
  message: string;
}

/** A header route the router should have now (from a setHeaderRoute step), in managedRoutes order. */
export interface HeaderRouteDecision {
  name: string;
  match: { headerName: string; headerValue: { exact?: string; prefix?: string; regex?: string } }[];
}

/** A mirror route the router should have now (from a setMirrorRoute step), in managedRoutes order. */
export interface MirrorRouteDecision {
  name: string;
  /** Share of matching requests mirrored to the canary (default 100). */
  percentage: number;
  match: {
    method?: { exact?: string; prefix?: string; regex?: string };
    path?: { exact?: string; prefix?: string; regex?: string };
    headers?: Record<string, { exact?: string; prefix?: string; regex?: string }>;
  }[];
}

/**
 * What the traffic router (spec.strategy.*.trafficRouting) should make true. Absent from a
 * decision when the strategy has no router (weights are then replica ratios).
 */
export interface TrafficDecision {
  /**
   * Traffic to the canary (A/B: variant B) in percent of all traffic, 0..100. The router
   * translates it to its own scale (maxTrafficWeight, NGINX canary-weight-total).
   */
  canaryWeight: number;
  /** Header routes that must exist; every other managed route the router created is removed. */
  headerRoutes: HeaderRouteDecision[];
  /** Mirror routes that must exist; every other managed mirror route is removed. */
  mirrorRoutes: MirrorRouteDecision[];
  /** A/B: keep each user on the variant first assigned (cookie or header), if the router can. */
  stickiness?: AbTestStrategySpec['stickiness'];
}

export interface StrategyDecision {
  /** Desired spec.replicas for every RS of the Rollout, keyed by hash. Absent = leave as is. */
  replicaSets: Record<string, number>;
  /** Annotation value for scale-down deadlines to set (epoch ms) or clear (null), keyed by hash. */
  scaleDownDeadlines: Record<string, number | null>;
  /**
   * Hashes the Services should select, by role: canary = canaryService / blue-green
   * previewService / A/B variants.b.service; stable = stableService / activeService /
   * variants.a.service (src/controller/service-roles.ts maps roles to Service names).
   */
  selectors: { canary?: string; stable?: string };
  /** The routing the traffic router should apply now; absent = no router. */
  traffic?: TrafficDecision;
  status: RolloutStatusView;
  events: RolloutEvent[];
  /** When a timer is pending (pause, scale-down delay, progress deadline): reconcile again after. */
  requeueAfterMs?: number;
  /**
   * The AnalysisRuns that should exist now. The shell creates the missing ones and terminates
   * (spec.terminate) every running run of this Rollout whose id is not listed.
   */
  analysisRuns?: AnalysisRunRequest[];
  /**
   * The Experiments that should exist now (canary experiment steps). The shell creates the
   * missing ones from the step, owned by the Rollout, and terminates running ones not listed.
   */
  experiments?: ExperimentRequest[];
}

/** An Experiment a canary `experiment` step runs; its verdict comes back under the same id. */
export interface ExperimentRequest {
  /** Same id scheme as a step's AnalysisRun (`stepRunId`). */
  id: string;
  stepIndex: number;
}

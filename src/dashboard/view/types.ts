/**
 * What the server sends the browser: view models computed from the watched objects, so the page
 * renders without knowing Kubernetes shapes. Types only: the front end imports this file too.
 */

export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | 'Unknown';

export interface CommitView {
  sha: string;
  subject?: string;
  author?: string;
  repository?: string;
  path?: string;
  /** A web link to the commit when the repository URL is one a browser can open. */
  url?: string;
}

/** One line of the list of Rollouts. */
export interface RolloutRow {
  key: string; // namespace/name
  namespace: string;
  name: string;
  phase: Phase;
  aborted: boolean;
  paused: boolean;
  strategy: 'Canary' | 'BlueGreen' | 'A/B test' | 'Rolling';
  /** 1-based step shown as `current/total` (clamped to total); done once the version is stable. */
  step: { current: number; total: number; done: boolean } | null;
  /** The new version's share of traffic in percent (canary weight, A/B split of B). */
  weight: number | null;
  images: string[];
  commit: CommitView | null;
  message: string;
  created: string;
}

export type StepState = 'done' | 'current' | 'pending';

export interface StepView {
  index: number;
  kind: string;
  label: string;
  state: StepState;
}

export interface WeightPoint {
  /** epoch ms */
  t: number;
  weight: number;
}

export interface ReplicaSetViewModel {
  name: string;
  hash: string;
  revision: number;
  role: 'stable' | 'canary' | 'stable+current' | 'old' | 'preview' | 'active';
  images: string[];
  desired: number;
  ready: number;
  available: number;
  commit: CommitView | null;
  created: string;
}

export interface PodView {
  name: string;
  hash: string;
  phase: string;
  ready: boolean;
  restarts: number;
  node: string;
  created: string;
}

export interface Threshold {
  value: number;
  /** Which side passes: `>=` 0.95 means values at or above pass. */
  op: '>' | '>=' | '<' | '<=';
  kind: 'success' | 'failure';
}

export interface MeasurementPoint {
  t: number;
  value: number | null;
  text: string;
  phase: string;
}

export interface MetricView {
  name: string;
  phase: string;
  provider: string;
  successCondition?: string;
  failureCondition?: string;
  thresholds: Threshold[];
  measurements: MeasurementPoint[];
  message?: string;
  /** A/B comparison: the figures of the latest measurement. */
  comparison?: ComparisonFigures;
}

export interface ComparisonFigures {
  verdict: string;
  rateB?: number;
  rateA?: number;
  z?: number;
  pValue?: number;
  alpha?: number;
  trialsB?: number;
  trialsA?: number;
  text: string;
}

export interface AnalysisRunView {
  name: string;
  phase: string;
  message?: string;
  started: string;
  metrics: MetricView[];
}

export interface EventView {
  time: string;
  type: string;
  reason: string;
  message: string;
  count: number;
  commit: string | null;
}

export interface Permissions {
  promote: boolean;
  'promote-full': boolean;
  abort: boolean;
  retry: boolean;
  pause: boolean;
  resume: boolean;
  restart: boolean;
  undo: boolean;
}

/** A RolloutGroup this Rollout is a member of, and where it stands there. */
export interface MembershipView {
  group: string;
  state: GroupMemberStateView;
  stage?: string;
  message?: string;
}

export type GroupMemberStateView = 'Healthy' | 'Waiting' | 'Admitted' | 'Progressing' | 'Aborted' | 'Missing';

/** One line of the list of RolloutGroups. */
export interface GroupRow {
  key: string; // namespace/name
  namespace: string;
  name: string;
  phase: Phase;
  message: string;
  aborted: boolean;
  /** Stage names in release order (dependencies first); empty without stages. */
  stages: string[];
  currentStages: string[];
  members: number;
  counts: Partial<Record<GroupMemberStateView, number>>;
  lockstep: boolean;
  maxInProgress: number | null;
  abortPolicy: 'Stop' | 'AbortAll';
  created: string;
}

/** One member on the group's page: the group's verdict and the Rollout's own live figures. */
export interface GroupMemberView {
  name: string;
  stage?: string;
  state: GroupMemberStateView;
  /** The Rollout's phase, aborted and paused flags (from the Rollout when it can be read). */
  phase: Phase;
  aborted: boolean;
  paused: boolean;
  step: RolloutRow['step'];
  weight: number | null;
  images: string[];
  /** Why it waits (the group's word), else the Rollout's own message. */
  message: string;
  waiting: boolean;
}

export type StageState = 'healthy' | 'current' | 'waiting' | 'blocked';

export interface GroupStageDetail {
  name: string;
  dependsOn: string[];
  state: StageState;
  members: GroupMemberView[];
}

export interface GroupPermissions {
  promote: boolean;
  abort: boolean;
  retry: boolean;
}

export interface GroupDetail {
  row: GroupRow;
  /** In release order (dependencies first); one stage named "" holds every member of a group without stages. */
  stages: GroupStageDetail[];
  maxStepIndex: number | null;
  permissions: GroupPermissions;
}

export interface RolloutDetail {
  row: RolloutRow;
  steps: StepView[];
  weights: WeightPoint[];
  stableHash?: string;
  currentHash?: string;
  replicas: { desired: number; current: number; updated: number; ready: number; available: number };
  replicaSets: ReplicaSetViewModel[];
  pods: PodView[];
  analysisRuns: AnalysisRunView[];
  abTest?: { splitA: number; splitB: number; decision?: string; hashA?: string; hashB?: string };
  blueGreen?: { active?: string; preview?: string };
  events: EventView[];
  conditions: { type: string; status: string; reason: string; message: string }[];
  permissions: Permissions;
  /** The RolloutGroups it is a member of (when the user may list them). */
  groups: MembershipView[];
}

export interface WhoAmI {
  username: string;
  groups: string[];
  mode: 'kubeconfig' | 'token';
  via: 'kubeconfig' | 'header' | 'session';
  csrf: string;
}

/** SSE messages of a list stream (rows keyed by `key`). */
export type ListMessageOf<Row> =
  | { type: 'snapshot'; rows: Row[] }
  | { type: 'changes'; upsert: Row[]; remove: string[] }
  | { type: 'error'; status: number; message: string };

/** SSE messages of the list of Rollouts. */
export type ListMessage = ListMessageOf<RolloutRow>;

/** SSE messages of the list of RolloutGroups. */
export type GroupListMessage = ListMessageOf<GroupRow>;

/** SSE messages of one RolloutGroup's stream. */
export type GroupMessage =
  | { type: 'group'; group: GroupDetail }
  | { type: 'gone' }
  | { type: 'error'; status: number; message: string };

/** SSE messages of one Rollout's stream. */
export type DetailMessage =
  | { type: 'detail'; detail: RolloutDetail }
  | { type: 'gone' }
  | { type: 'error'; status: number; message: string };

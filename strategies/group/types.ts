/**
 * The contract between the RolloutGroup shell (src/controller/group) and the pure group core.
 *
 * The shell observes the group and the Rollouts of its namespace (informer caches), builds a
 * `GroupInput`, calls `decideGroup` (pure: the same input gives the same decision, `now` is the
 * only clock) and executes the `GroupDecision`: it writes `status` when it differs, and sets
 * `status.abort: true` on each Rollout in `abortMembers` (what `bellwether abort` writes).
 * Everything the group has to remember lives in its status, so a restarted controller decides
 * the same. Structural types, narrower than the zod types in src/api, which satisfy them.
 */

export interface LabelSelectorView {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** Rollouts by name, or by label selector. */
export interface MemberSelection {
  rollouts?: string[];
  selector?: LabelSelectorView;
}

export interface GroupStageView extends MemberSelection {
  name: string;
  dependsOn?: string[];
}

export interface GroupSpecView {
  members: MemberSelection;
  stages?: GroupStageView[];
  lockstep?: boolean;
  maxInProgress?: number;
  abortPolicy?: 'Stop' | 'AbortAll';
}

/** One Rollout of the group's namespace, as the shell observed it. */
export interface RolloutView {
  name: string;
  labels: Record<string, string>;
  /** Hash of spec.template: the version the Rollout asks for now. */
  desiredHash: string;
  strategy: 'canary' | 'blueGreen' | 'abTest' | 'rolling';
  /** Number of canary steps (0 for other strategies). */
  steps: number;
  /** The Git commit `bellwether sync` applied it from (its provenance annotations), if any. */
  source?: { repository?: string; path?: string; revision: string };
  status: {
    phase?: string;
    message?: string;
    currentPodHash?: string;
    stableRS?: string;
    currentStepIndex?: number;
    abort?: boolean;
    abortedAt?: string;
  };
}

export type MemberState = 'Healthy' | 'Waiting' | 'Admitted' | 'Progressing' | 'Aborted' | 'Missing';

export interface MemberStatusView {
  name: string;
  stage?: string;
  state: MemberState;
  phase?: string;
  step?: number;
  steps?: number;
  message?: string;
}

export interface GroupStatusView {
  phase?: 'Healthy' | 'Progressing' | 'Degraded';
  message?: string;
  observedGeneration?: number;
  currentStages?: string[];
  maxStepIndex?: number;
  members?: MemberStatusView[];
  /** The operator's request (`bellwether group abort`); kept as observed. */
  abort?: boolean;
  /** AbortAll: the latest member abort (RFC 3339) already carried to the other members. */
  abortsHandledUntil?: string;
}

export interface GroupInput {
  generation: number;
  spec: GroupSpecView;
  status: GroupStatusView;
  /** Every Rollout of the namespace (members are picked by the spec). */
  rollouts: readonly RolloutView[];
  now: number;
}

export interface GroupDecision {
  status: GroupStatusView;
  /** Members to abort now (status.abort: true): the group was aborted, or AbortAll. */
  abortMembers: string[];
}

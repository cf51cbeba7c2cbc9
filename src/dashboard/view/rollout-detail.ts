import type { CoreV1Event, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { AnalysisRun } from '../../api/analysis.ts';
import { hashOf, revisionOf } from '../../controller/replica-sets.ts';
import { podTemplateHashLabel } from '../../kube/names.ts';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { describeStep } from '../../operations/describe-step.ts';
import type { RolloutGroupObject } from '../../controller/group/group-object.ts';
import { commitView } from './commit-view.ts';
import { membershipsOf } from './group-view.ts';
import { comparisonFigures, numericValue } from './measurement-value.ts';
import { rolloutRow } from './rollout-row.ts';
import { thresholdsOf } from './thresholds.ts';
import type {
  AnalysisRunView,
  EventView,
  MetricView,
  Permissions,
  PodView,
  ReplicaSetViewModel,
  RolloutDetail,
  StepView,
  WeightPoint,
} from './types.ts';
import { eventTime, weightHistory } from './weight-history.ts';

export interface DetailInput {
  rollout: RolloutObject;
  replicaSets: readonly V1ReplicaSet[];
  pods: readonly V1Pod[];
  analysisRuns: readonly AnalysisRun[];
  events: readonly CoreV1Event[];
  /** Weights this stream observed in status, as they changed. */
  samples: readonly WeightPoint[];
  permissions: Permissions;
  /** The namespace's RolloutGroups (empty when the user may not list them). */
  groups: readonly RolloutGroupObject[];
}

/** Everything the page of one Rollout shows, from the watched objects. Pure. */
export function rolloutDetail(input: DetailInput): RolloutDetail {
  const { rollout } = input;
  const status = rollout.status ?? {};
  const canarySteps = rollout.spec.strategy.canary?.steps ?? [];
  const events = [...input.events].sort((a, b) => eventTime(a) - eventTime(b));
  const hashes = new Set(input.replicaSets.map(hashOf));
  return {
    row: rolloutRow(rollout),
    steps: stepViews(rollout),
    weights: rollout.spec.strategy.canary
      ? weightHistory(canarySteps, events, input.samples)
      : input.samples.slice(),
    ...(status.stableRS ? { stableHash: status.stableRS } : {}),
    ...(status.currentPodHash ? { currentHash: status.currentPodHash } : {}),
    replicas: {
      desired: rollout.spec.replicas ?? 1,
      current: status.replicas ?? 0,
      updated: status.updatedReplicas ?? 0,
      ready: status.readyReplicas ?? 0,
      available: status.availableReplicas ?? 0,
    },
    replicaSets: [...input.replicaSets]
      .sort((a, b) => revisionOf(b) - revisionOf(a))
      .map((rs) => replicaSetView(rollout, rs)),
    pods: input.pods
      .filter((pod) => hashes.has(pod.metadata?.labels?.[podTemplateHashLabel] ?? ''))
      .map(podView)
      .sort((a, b) => a.name.localeCompare(b.name)),
    analysisRuns: [...input.analysisRuns]
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))
      .map(analysisRunView),
    ...strategyState(rollout),
    events: events.reverse().map(eventView),
    conditions: (status.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
    })),
    permissions: input.permissions,
    groups: membershipsOf(rollout, input.groups),
  };
}

/** What A/B and blue-green Rollouts add: the split and decision, the active and preview versions. */
function strategyState(rollout: RolloutObject): Pick<RolloutDetail, 'abTest' | 'blueGreen'> {
  const status = rollout.status ?? {};
  const ab = status.abTest;
  if (rollout.spec.strategy.abTest) {
    return {
      abTest: {
        splitA: ab?.split?.a ?? 100,
        splitB: ab?.split?.b ?? 0,
        ...(ab?.decision ? { decision: ab.decision } : {}),
        ...(ab?.variantAHash ? { hashA: ab.variantAHash } : {}),
        ...(ab?.variantBHash ? { hashB: ab.variantBHash } : {}),
      },
    };
  }
  if (rollout.spec.strategy.blueGreen) {
    const bg = status.blueGreen;
    return {
      blueGreen: {
        ...(bg?.activeSelector ? { active: bg.activeSelector } : {}),
        ...(bg?.previewSelector ? { preview: bg.previewSelector } : {}),
      },
    };
  }
  return {};
}

function stepViews(rollout: RolloutObject): StepView[] {
  const status = rollout.status ?? {};
  const index = status.currentStepIndex ?? 0;
  const settled = status.currentPodHash !== undefined && status.currentPodHash === status.stableRS;
  const state = (i: number): StepView['state'] =>
    settled || i < index ? 'done' : i === index ? 'current' : 'pending';
  const canary = rollout.spec.strategy.canary?.steps;
  if (canary) {
    return canary.map((step, i) => ({
      index: i,
      kind: Object.keys(step)[0] ?? 'step',
      label: describeStep(step),
      state: state(i),
    }));
  }
  return (rollout.spec.strategy.abTest?.steps ?? []).map((step, i) => ({
    index: i,
    kind: Object.keys(step)[0] ?? 'step',
    label: step.setSplit
      ? `setSplit ${step.setSplit.a}/${step.setSplit.b}`
      : step.pause
        ? step.pause.duration === undefined
          ? 'pause (until promoted)'
          : `pause ${String(step.pause.duration)}`
        : `analysis ${(step.analysis?.templates ?? []).map((t) => t.templateName).join(', ')}`,
    state: state(i),
  }));
}

function replicaSetView(rollout: RolloutObject, rs: V1ReplicaSet): ReplicaSetViewModel {
  const status = rollout.status ?? {};
  const hash = hashOf(rs);
  const isStable = hash === status.stableRS;
  const isCurrent = hash === status.currentPodHash;
  const blueGreen = rollout.spec.strategy.blueGreen !== undefined;
  let role: ReplicaSetViewModel['role'] = 'old';
  if (isStable && isCurrent) role = 'stable+current';
  else if (blueGreen && hash === status.blueGreen?.activeSelector) role = 'active';
  else if (blueGreen && isCurrent) role = 'preview';
  else if (isStable) role = 'stable';
  else if (isCurrent) role = 'canary';
  return {
    name: rs.metadata?.name ?? hash,
    hash,
    revision: revisionOf(rs),
    role,
    images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '?'),
    desired: rs.spec?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    commit: commitView(rs.metadata),
    created: iso(rs.metadata?.creationTimestamp),
  };
}

function podView(pod: V1Pod): PodView {
  const statuses = pod.status?.containerStatuses ?? [];
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const deleting = pod.metadata?.deletionTimestamp !== undefined;
  return {
    name: pod.metadata?.name ?? '?',
    hash: pod.metadata?.labels?.[podTemplateHashLabel] ?? '',
    phase: deleting ? 'Terminating' : (pod.status?.phase ?? 'Pending'),
    ready,
    restarts: statuses.reduce((sum, s) => sum + s.restartCount, 0),
    node: pod.spec?.nodeName ?? '',
    created: iso(pod.metadata?.creationTimestamp),
  };
}

function analysisRunView(run: AnalysisRun): AnalysisRunView {
  const results = new Map((run.status?.metricResults ?? []).map((r) => [r.name, r]));
  const metrics: MetricView[] = run.spec.metrics.map((metric) => {
    const result = results.get(metric.name);
    const measurements = (result?.measurements ?? []).map((m) => ({
      t: new Date(m.finishedAt ?? m.startedAt ?? 0).getTime(),
      value: numericValue(m.value),
      text: m.value ?? m.message ?? '',
      phase: m.phase,
    }));
    const comparison = comparisonFigures(result?.measurements?.at(-1)?.value);
    return {
      name: metric.name,
      phase: result?.phase ?? 'Pending',
      provider: Object.keys(metric.provider)[0] ?? '?',
      ...(metric.successCondition ? { successCondition: metric.successCondition } : {}),
      ...(metric.failureCondition ? { failureCondition: metric.failureCondition } : {}),
      thresholds: [
        ...thresholdsOf(metric.successCondition, 'success'),
        ...thresholdsOf(metric.failureCondition, 'failure'),
      ],
      measurements,
      ...(result?.message ? { message: result.message } : {}),
      ...(comparison ? { comparison } : {}),
    };
  });
  return {
    name: run.metadata.name ?? '?',
    phase: run.status?.phase ?? 'Pending',
    ...(run.status?.message ? { message: run.status.message } : {}),
    started: iso(run.status?.startedAt ?? run.metadata.creationTimestamp),
    metrics,
  };
}

function eventView(event: CoreV1Event): EventView {
  const message = event.message ?? '';
  const commit = /\(commit ([^)]*)\)\s*$/.exec(message)?.[1] ?? null;
  return {
    time: new Date(eventTime(event)).toISOString(),
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    message: commit ? message.slice(0, message.lastIndexOf('(commit')).trimEnd() : message,
    count: event.count ?? 1,
    commit,
  };
}

function iso(time: string | Date | null | undefined): string {
  return time ? new Date(time).toISOString() : '';
}

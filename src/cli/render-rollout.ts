import type { V1ReplicaSet } from '@kubernetes/client-node';
import { hashOf, revisionOf } from '../controller/replica-sets.ts';
import type { RolloutObject } from '../controller/rollout-object.ts';
import { describeStep } from '../operations/describe-step.ts';

function strategyName(rollout: RolloutObject): string {
  const s = rollout.spec.strategy;
  if (s.canary) return 'Canary';
  if (s.blueGreen) return 'BlueGreen';
  if (s.abTest) return 'A/B test';
  return 'Rolling';
}

function images(rs: V1ReplicaSet): string {
  return (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '?').join(',');
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

type Status = NonNullable<RolloutObject['status']>;

function summaryLines(rollout: RolloutObject, status: Status, replicaSets: V1ReplicaSet[]): string[] {
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  const lines = [
    `Name:         ${rollout.metadata.name}`,
    `Namespace:    ${rollout.metadata.namespace}`,
    `Phase:        ${status.phase ?? 'Unknown'}${status.abort ? ' (aborted)' : ''}`,
    `Message:      ${status.message ?? ''}`,
    `Strategy:     ${strategyName(rollout)}`,
  ];
  if (rollout.spec.strategy.canary) {
    const weights = status.canary?.weights;
    lines.push(
      `Step:         ${Math.min(status.currentStepIndex ?? 0, steps.length)}/${steps.length}`,
      `Weights:      canary ${weights?.canary ?? 0}%, stable ${weights?.stable ?? 100}%`,
    );
  }
  lines.push(...blueGreenLines(rollout, status));
  const current = replicaSets.find((rs) => hashOf(rs) === status.currentPodHash);
  const counts = [
    `desired ${rollout.spec.replicas ?? 1}`,
    `current ${status.replicas ?? 0}`,
    `updated ${status.updatedReplicas ?? 0}`,
    `ready ${status.readyReplicas ?? 0}`,
    `available ${status.availableReplicas ?? 0}`,
  ];
  lines.push(`Revision:     ${current ? revisionOf(current) : '?'}`, `Replicas:     ${counts.join(', ')}`);
  const source = status.source;
  if (source?.revision) {
    lines.push(`Source:       ${source.repository ?? ''} ${source.path ?? ''} @ ${source.revision}`);
  }
  return lines;
}

/** Blue-green: the hashes the active and preview Services select. */
function blueGreenLines(rollout: RolloutObject, status: Status): string[] {
  const spec = rollout.spec.strategy.blueGreen;
  if (!spec) return [];
  const preview = spec.previewService ? ` (Service ${spec.previewService})` : '';
  return [
    `Active:       ${status.blueGreen?.activeSelector ?? '-'} (Service ${spec.activeService})`,
    `Preview:      ${status.blueGreen?.previewSelector ?? '-'}${preview}`,
  ];
}

/** The step list: done steps ticked, the current one marked with an arrow while a rollout runs. */
function stepLines(rollout: RolloutObject, status: Status): string[] {
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  if (steps.length === 0) return [];
  const index = status.currentStepIndex ?? 0;
  const running = status.stableRS !== status.currentPodHash;
  return [
    '',
    'Steps:',
    ...steps.map((step, i) => {
      const mark = i < index ? '✔' : i === index && running ? '→' : ' ';
      return `  ${mark} ${String(i).padStart(2)}  ${describeStep(step)}`;
    }),
  ];
}

function replicaSetLines(rollout: RolloutObject, status: Status, replicaSets: V1ReplicaSet[]): string[] {
  const blueGreen = rollout.spec.strategy.blueGreen !== undefined;
  const role = (hash: string) => {
    if (blueGreen) return blueGreenRole(status, hash);
    if (hash === status.stableRS) return 'stable';
    return hash === status.currentPodHash ? 'canary' : 'old';
  };
  const rows = [['REVISION', 'NAME', 'ROLE', 'DESIRED', 'CURRENT', 'READY', 'AVAILABLE', 'IMAGES']];
  for (const rs of [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a))) {
    rows.push([
      String(revisionOf(rs)),
      rs.metadata?.name ?? '',
      role(hashOf(rs)),
      String(rs.spec?.replicas ?? 0),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      String(rs.status?.availableReplicas ?? 0),
      images(rs),
    ]);
  }
  return ['', 'ReplicaSets:', ...table(rows).map((l) => `  ${l}`)];
}

/** A blue-green ReplicaSet's role: which Services select it, else stable / old. */
function blueGreenRole(status: Status, hash: string): string {
  const roles = [
    hash === status.blueGreen?.activeSelector ? 'active' : '',
    hash === status.blueGreen?.previewSelector ? 'preview' : '',
  ].filter(Boolean);
  if (roles.length > 0) return roles.join(',');
  return hash === status.stableRS ? 'stable' : 'old';
}

/**
 * The `get rollout` view: phase and message, the step list with the current step marked,
 * weights, and every ReplicaSet with its revision, role and pod counts. Pure: rendering only.
 */
export function renderRollout(rollout: RolloutObject, replicaSets: V1ReplicaSet[]): string {
  const status = rollout.status ?? {};
  return (
    [
      ...summaryLines(rollout, status, replicaSets),
      ...stepLines(rollout, status),
      ...replicaSetLines(rollout, status, replicaSets),
    ].join('\n') + '\n'
  );
}

/** `list rollouts`: one line per Rollout, the columns kubectl's printer columns show. */
export function renderRolloutList(rollouts: RolloutObject[]): string {
  const rows = [['NAME', 'STRATEGY', 'PHASE', 'STEP', 'WEIGHT', 'DESIRED', 'AVAILABLE', 'MESSAGE']];
  for (const ro of rollouts) {
    const s = ro.status ?? {};
    const steps = ro.spec.strategy.canary?.steps?.length ?? 0;
    rows.push([
      ro.metadata.name,
      strategyName(ro),
      s.phase ?? 'Unknown',
      ro.spec.strategy.canary ? `${Math.min(s.currentStepIndex ?? 0, steps)}/${steps}` : '-',
      s.canary?.weights ? String(s.canary.weights.canary) : '-',
      String(ro.spec.replicas ?? 1),
      String(s.availableReplicas ?? 0),
      s.message ?? '',
    ]);
  }
  return table(rows).join('\n') + '\n';
}

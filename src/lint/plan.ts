/**
 * The step timeline a canary Rollout would follow, for `bellwether plan`: weights, pods, pauses,
 * analyses and the minimum total duration. Pure.
 */
import type { AnalysisTemplate, ClusterAnalysisTemplate } from '../api/analysis.ts';
import type { CanaryStep, Rollout } from '../api/rollout.ts';
import { durationMs, formatDurationMs } from '../../strategies/kernel/duration.ts';

type Template = AnalysisTemplate | ClusterAnalysisTemplate;

export interface PlanRow {
  /** Step index, or `end` for the final promotion. */
  index: string;
  action: string;
  canaryWeight: number;
  canaryPods: number;
  stablePods: number;
  /** `5m`, `until promoted`, or empty. */
  wait: string;
  templates: string[];
}

export interface Plan {
  rows: PlanRow[];
  /** Sum of timed pauses and of the known analysis durations, in milliseconds. */
  minimumMs: number;
  notes: string[];
}

function podsAt(replicas: number, weight: number): { canaryPods: number; stablePods: number } {
  return {
    canaryPods: Math.ceil((replicas * weight) / 100),
    stablePods: Math.ceil((replicas * (100 - weight)) / 100),
  };
}

function countOf(count: number | string | undefined): number | undefined {
  if (typeof count === 'number') return count;
  if (count !== undefined && /^[0-9]+$/.test(count)) return Number(count);
  return undefined;
}

/**
 * How long a template's run takes at least: the slowest metric's initialDelay + (count-1) *
 * interval. Undefined when a metric measures without end or uses placeholders.
 */
export function templateDurationMs(template: Template): number | undefined {
  let longest = 0;
  for (const metric of template.spec.metrics ?? []) {
    const count = countOf(metric.count) ?? (metric.interval === undefined ? 1 : undefined);
    if (count === undefined) return undefined;
    const delay = metric.initialDelay === undefined ? 0 : durationMs(metric.initialDelay);
    const interval = metric.interval === undefined ? 0 : durationMs(metric.interval);
    if (delay === undefined || interval === undefined) return undefined;
    longest = Math.max(longest, delay + Math.max(count - 1, 0) * interval);
  }
  return longest;
}

/** What a step does; a step with several actions (as Argo allows) names each, joined by `, `. */
function action(step: CanaryStep): string {
  const actions = [
    step.setWeight !== undefined ? `set canary weight to ${step.setWeight}%` : undefined,
    step.pause ? 'pause' : undefined,
    step.analysis ? 'run analysis and wait for its outcome' : undefined,
    step.setCanaryScale ? 'scale the canary' : undefined,
    step.setHeaderRoute ? `route header matches (${step.setHeaderRoute.name})` : undefined,
    step.setMirrorRoute ? `mirror traffic (${step.setMirrorRoute.name})` : undefined,
    step.experiment ? 'run an experiment' : undefined,
  ].filter((text) => text !== undefined);
  return actions.length > 0 ? actions.join(', ') : 'unknown step';
}

/** The timeline of a canary Rollout; `templates` are the AnalysisTemplates known locally. */
export function planRollout(rollout: Rollout, templates: readonly Template[]): Plan {
  const replicas = rollout.spec.replicas ?? 1;
  const canary = rollout.spec.strategy.canary;
  const notes: string[] = [];
  if (canary === undefined) {
    return { rows: [], minimumMs: 0, notes: ['not a canary: the update goes to 100% in one rolling update'] };
  }
  if (canary.trafficRouting !== undefined) {
    notes.push('with a traffic router the weight is a traffic share; pods shown are for no router');
  }
  const byName = new Map(
    templates.map((t) => [`${t.kind === 'ClusterAnalysisTemplate'}/${t.metadata.name}`, t]),
  );
  let weight = 0;
  let minimumMs = 0;
  const rows: PlanRow[] = [];
  (canary.steps ?? []).forEach((step, index) => {
    if (step.setWeight !== undefined) weight = step.setWeight;
    let wait = '';
    if (step.pause) {
      const ms = step.pause.duration === undefined ? undefined : durationMs(step.pause.duration);
      if (ms === undefined) wait = 'until promoted';
      else {
        wait = formatDurationMs(ms);
        minimumMs += ms;
      }
    }
    const names: string[] = [];
    if (step.analysis) {
      let longest = 0;
      for (const ref of step.analysis.templates) {
        names.push(ref.templateName);
        const template = byName.get(`${ref.clusterScope === true}/${ref.templateName}`);
        const ms = template === undefined ? undefined : templateDurationMs(template);
        if (ms === undefined) notes.push(`step ${index}: time of analysis "${ref.templateName}" unknown`);
        else longest = Math.max(longest, ms);
      }
      minimumMs += longest;
      wait = longest > 0 ? `at least ${formatDurationMs(longest)}` : '';
    }
    const pods = podsAt(replicas, weight);
    rows.push({
      index: String(index),
      action: action(step),
      canaryWeight: weight,
      ...pods,
      wait,
      templates: names,
    });
  });
  const end = podsAt(replicas, 100);
  rows.push({
    index: 'end',
    action: 'promote: canary becomes stable',
    canaryWeight: 100,
    ...end,
    wait: '',
    templates: [],
  });
  if (canary.analysis !== undefined) {
    const names = canary.analysis.templates.map((t) => t.templateName).join(', ');
    notes.push(`background analysis ${names} from step ${canary.analysis.startingStep ?? 0}`);
  }
  return { rows, minimumMs, notes };
}

/** The plan as a table, then the minimum duration and notes. */
export function renderPlan(rollout: Rollout, plan: Plan): string {
  const name = `${rollout.metadata.namespace === undefined ? '' : `${rollout.metadata.namespace}/`}${rollout.metadata.name}`;
  const header = ['STEP', 'ACTION', 'CANARY', 'STABLE', 'PODS (CANARY/STABLE)', 'WAIT', 'ANALYSIS'];
  const rows = plan.rows.map((r) => [
    r.index,
    r.action,
    `${r.canaryWeight}%`,
    `${100 - r.canaryWeight}%`,
    `${r.canaryPods}/${r.stablePods}`,
    r.wait,
    r.templates.join(', '),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const lines = all.map((row) =>
    row
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const replicas = rollout.spec.replicas ?? 1;
  return [
    `Rollout ${name} (${replicas} replicas)`,
    ...lines,
    `Minimum duration: ${formatDurationMs(plan.minimumMs)} (timed pauses and analyses; pauses without duration wait for promote)`,
    ...plan.notes.map((note) => `Note: ${note}`),
    '',
  ].join('\n');
}

/**
 * The pull-request check (`bellwether plan --base REF --head REF PATH`): for each Rollout a change
 * adds, changes or removes, what will happen when it merges: the strategy, the step timeline
 * (weights, pauses, analyses), the analyses with their templates' metrics, and the admission
 * policies it passes or fails. Text for a terminal, Markdown for a PR comment. Pure: the parsed
 * documents of both sides, the lint problems and the policies are inputs.
 */
import type { AnalysisTemplate, ClusterAnalysisTemplate } from '../api/analysis.ts';
import type { Rollout } from '../api/rollout.ts';
import { validateResource } from '../api/validate.ts';
import { deepEqual } from '../kube/merge-patch.ts';
import { evaluatePolicies, type PolicySet } from './admission-policy.ts';
import type { Problem } from './lint.ts';
import { planRollout, renderPlan } from './plan.ts';

type Template = AnalysisTemplate | ClusterAnalysisTemplate;

export interface Side {
  rollouts: Rollout[];
  templates: Template[];
}

/** The Bellwether objects among rendered manifests (those that pass the schema). Pure. */
export function sideOf(objects: readonly unknown[]): Side {
  const side: Side = { rollouts: [], templates: [] };
  for (const object of objects) {
    const result = validateResource(object);
    if (!result.ok) continue;
    const resource = result.value;
    if (resource.kind === 'Rollout') side.rollouts.push(resource);
    if (resource.kind === 'AnalysisTemplate' || resource.kind === 'ClusterAnalysisTemplate')
      side.templates.push(resource);
  }
  return side;
}

export interface RolloutChange {
  name: string;
  change: 'added' | 'changed' | 'removed';
  rollout: Rollout;
  strategy: string;
  timeline: string;
  analyses: { template: string; where: string; metrics: string[] }[];
  policies: { policy: string; passed: boolean; messages: string[] }[];
}

const key = (r: Rollout) => `${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`;

function strategyOf(rollout: Rollout): string {
  const strategy = rollout.spec.strategy;
  if (strategy.blueGreen) return 'blueGreen';
  if (strategy.abTest) return 'abTest';
  if (strategy.canary?.trafficRouting) return 'canary (traffic router)';
  if (strategy.canary?.steps?.length) return 'canary';
  return 'rolling update';
}

function metricsOf(template: Template | undefined): string[] {
  if (!template) return ['(template not found in the change)'];
  return (template.spec.metrics ?? []).map((m) => {
    const provider = Object.keys(m.provider)[0] ?? 'provider';
    const condition = m.successCondition ? `, success: ${m.successCondition}` : '';
    return `${m.name} (${provider}${condition})`;
  });
}

function analysesOf(rollout: Rollout, templates: readonly Template[]): RolloutChange['analyses'] {
  const find = (name: string, cluster: boolean | undefined) =>
    templates.find(
      (t) => t.metadata.name === name && (t.kind === 'ClusterAnalysisTemplate') === (cluster === true),
    );
  const out: RolloutChange['analyses'] = [];
  const canary = rollout.spec.strategy.canary;
  (canary?.steps ?? []).forEach((step, index) => {
    for (const ref of step.analysis?.templates ?? []) {
      out.push({
        template: ref.templateName,
        where: `step ${String(index)}`,
        metrics: metricsOf(find(ref.templateName, ref.clusterScope)),
      });
    }
  });
  for (const ref of canary?.analysis?.templates ?? []) {
    out.push({
      template: ref.templateName,
      where: 'background',
      metrics: metricsOf(find(ref.templateName, ref.clusterScope)),
    });
  }
  return out;
}

/** What the change does to each Rollout it touches. Pure. */
export function planChange(base: Side, head: Side, policies: PolicySet): RolloutChange[] {
  const before = new Map(base.rollouts.map((r) => [key(r), r]));
  const changes: RolloutChange[] = [];
  for (const rollout of head.rollouts) {
    const old = before.get(key(rollout));
    if (old && deepEqual(old.spec, rollout.spec) && deepEqual(old.metadata.labels, rollout.metadata.labels))
      continue;
    const outcomes = evaluatePolicies(policies, { object: rollout as never });
    changes.push({
      name: key(rollout).replace(/^\//, ''),
      change: old ? 'changed' : 'added',
      rollout,
      strategy: strategyOf(rollout),
      timeline: renderPlan(rollout, planRollout(rollout, head.templates)),
      analyses: analysesOf(rollout, head.templates),
      policies: outcomes.map((o) => ({
        policy: o.policy,
        passed: !o.violations.some((v) => v.actions.includes('Deny')),
        messages: o.violations.map((v) => v.message),
      })),
    });
  }
  const after = new Set(head.rollouts.map(key));
  for (const rollout of base.rollouts) {
    if (after.has(key(rollout))) continue;
    changes.push({
      name: key(rollout).replace(/^\//, ''),
      change: 'removed',
      rollout,
      strategy: strategyOf(rollout),
      timeline: '',
      analyses: [],
      policies: [],
    });
  }
  return changes;
}

function problemLine(p: Problem): string {
  const where = [p.object, p.path].filter(Boolean).join(': ');
  return `${p.file}:${String(p.line)}: ${p.severity}: ${where ? `${where}: ` : ''}${p.message}`;
}

function policyLine(p: RolloutChange['policies'][number]): string {
  return `${p.passed ? 'passes' : 'FAILS'} ${p.policy}${p.messages.length > 0 ? `: ${p.messages.join('; ')}` : ''}`;
}

export function renderChangeText(
  changes: readonly RolloutChange[],
  problems: readonly Problem[],
  policyCount: number,
): string {
  const lines: string[] = [];
  if (changes.length === 0) lines.push('No Rollout changes.');
  for (const c of changes) {
    lines.push(`== Rollout ${c.name}: ${c.change} (${c.strategy})`);
    if (c.change === 'removed') {
      lines.push('Merging deletes it (when the source prunes).', '');
      continue;
    }
    lines.push(c.timeline.trimEnd());
    if (c.analyses.length > 0) {
      lines.push('Analyses:');
      for (const a of c.analyses) lines.push(`  ${a.where}: ${a.template}: ${a.metrics.join(', ')}`);
    }
    lines.push(`Policies (${String(policyCount)} given):`);
    if (c.policies.length === 0) lines.push('  none apply');
    for (const p of c.policies) lines.push(`  ${policyLine(p)}`);
    lines.push('');
  }
  if (problems.length > 0) {
    lines.push('Problems:');
    for (const p of problems) lines.push(`  ${problemLine(p)}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderChangeMarkdown(
  changes: readonly RolloutChange[],
  problems: readonly Problem[],
  policyCount: number,
): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const failed = changes.some((c) => c.policies.some((p) => !p.passed));
  const lines: string[] = [
    `### Bellwether plan: ${errors > 0 || failed ? ':x: does not pass' : ':white_check_mark: passes'}`,
    '',
  ];
  if (changes.length === 0) lines.push('No Rollout changes.', '');
  for (const c of changes) {
    lines.push(`#### Rollout \`${c.name}\` (${c.change}, ${c.strategy})`, '');
    if (c.change === 'removed') {
      lines.push('Merging deletes it (when the source prunes).', '');
      continue;
    }
    const rows = c.timeline.split('\n');
    lines.push('```', ...rows.filter((r) => r !== ''), '```', '');
    if (c.analyses.length > 0) {
      lines.push('| analysis | template | metrics |', '| --- | --- | --- |');
      for (const a of c.analyses)
        lines.push(`| ${a.where} | \`${a.template}\` | ${cell(a.metrics.join(', '))} |`);
      lines.push('');
    }
    lines.push(`Policies (${String(policyCount)} given):`, '');
    if (c.policies.length === 0) lines.push('- none apply');
    for (const p of c.policies)
      lines.push(`- ${p.passed ? ':white_check_mark:' : ':x:'} ${cell(policyLine(p))}`);
    lines.push('');
  }
  if (problems.length > 0) {
    lines.push('#### Problems', '');
    for (const p of problems) lines.push(`- \`${cell(problemLine(p))}\``);
    lines.push('');
  }
  return lines.join('\n');
}

import { dirname } from 'node:path';
import type { AnalysisTemplate, ClusterAnalysisTemplate } from '../../api/analysis.ts';
import type { Rollout } from '../../api/rollout.ts';
import { validateResource } from '../../api/validate.ts';
import { planRollout, renderPlan } from '../../lint/plan.ts';
import { readYamlFiles, yamlFilesUnder } from '../../lint/source.ts';
import { parseFlags, requirePositional } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);
const stderr: Out = (text) => process.stderr.write(text);

/** `plan FILE`: the step timeline of each Rollout in FILE (templates from FILE's directory). */
export function planCommand(args: string[], out: Out = stdout, err: Out = stderr): Promise<number> {
  const { positionals } = parseFlags(args, {}, 'plan');
  const file = requirePositional(positionals, 0, 'FILE', 'plan');
  const rollouts: Rollout[] = [];
  const templates: (AnalysisTemplate | ClusterAnalysisTemplate)[] = [];
  let failed = false;
  const siblings = yamlFilesUnder([dirname(file)]).filter((f) => f !== file);
  for (const [index, parsed] of readYamlFiles([file, ...siblings]).entries()) {
    for (const syntax of index === 0 ? parsed.syntaxErrors : []) {
      err(`${syntax.file}:${syntax.position.line}:${syntax.position.col}: ${syntax.message}\n`);
      failed = true;
    }
    for (const doc of parsed.documents) {
      const result = validateResource(doc.value);
      if (!result.ok) {
        const kind = (doc.value as { kind?: unknown } | null)?.kind;
        if (index === 0 && kind === 'Rollout') {
          for (const e of result.errors) err(`${doc.file}:${doc.positionOf(e.path).line}: ${e.message}\n`);
          failed = true;
        }
        continue;
      }
      const resource = result.value;
      if (resource.kind === 'Rollout' && index === 0) rollouts.push(resource);
      if (resource.kind === 'AnalysisTemplate' || resource.kind === 'ClusterAnalysisTemplate') {
        templates.push(resource);
      }
    }
  }
  if (failed) return Promise.resolve(1);
  if (rollouts.length === 0) {
    err(`plan: no valid Rollout in ${file}\n`);
    return Promise.resolve(1);
  }
  out(rollouts.map((rollout) => renderPlan(rollout, planRollout(rollout, templates))).join('\n'));
  return Promise.resolve(0);
}

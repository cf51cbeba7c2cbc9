import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AnalysisTemplate, ClusterAnalysisTemplate } from '../../api/analysis.ts';
import type { Rollout } from '../../api/rollout.ts';
import { validateResource } from '../../api/validate.ts';
import { emptyPolicySet } from '../../lint/admission-policy.ts';
import { hasErrors } from '../../lint/lint.ts';
import { planRollout, renderPlan } from '../../lint/plan.ts';
import { planChange, renderChangeMarkdown, renderChangeText, sideOf } from '../../lint/plan-change.ts';
import { readPolicyPaths } from '../../lint/policy-sources.ts';
import { renderPath } from '../../sync/render.ts';
import { readYamlFiles, yamlFilesUnder } from '../../lint/source.ts';
import { parseFlags, requirePositional, UsageError } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);
const stderr: Out = (text) => process.stderr.write(text);

const flags = {
  base: { type: 'string' },
  head: { type: 'string' },
  repo: { type: 'string' },
  policies: { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
} as const;

/** The tree of `ref` in `repo`, written to a temporary directory by `git archive`. */
function checkout(repo: string, ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bellwether-plan-'));
  const tar = join(dir, '.tree.tar');
  try {
    execFileSync('git', ['-C', repo, 'archive', '--format=tar', '-o', tar, ref], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    execFileSync('tar', ['-xf', tar, '-C', dir]);
    rmSync(tar);
    return dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new UsageError(`plan: cannot read ${ref} in ${repo}: ${detail || String(error)}`);
  }
}

/**
 * `plan --base REF --head REF PATH`: for each Rollout under PATH that the change touches, what
 * merging it does, and the policies it passes (`--policies DIR`, read from the head commit).
 * Exit 1 when lint or a policy fails at the head.
 */
async function planChangeCommand(values: Record<string, unknown>, path: string, out: Out): Promise<number> {
  const repo = (values.repo as string | undefined) ?? '.';
  const output = (values.output as string | undefined) ?? 'text';
  if (output !== 'text' && output !== 'markdown')
    throw new UsageError('plan: --output must be text or markdown');
  const base = checkout(repo, values.base as string);
  const head = checkout(repo, values.head as string);
  try {
    const policyDirs = ((values.policies as string[] | undefined) ?? []).map((dir) => {
      const inHead = join(head, dir);
      if (!existsSync(inHead)) throw new UsageError(`plan: --policies ${dir}: not in ${String(values.head)}`);
      return inHead;
    });
    const loaded =
      policyDirs.length > 0 ? readPolicyPaths(policyDirs) : { set: emptyPolicySet, problems: [] };
    const after = existsSync(join(head, path))
      ? await renderPath(head, path, { policies: loaded.set })
      : { manifests: [], problems: [] };
    const before = existsSync(join(base, path))
      ? await renderPath(base, path)
      : { manifests: [], problems: [] };
    const problems = [
      ...loaded.problems.map((p) => ({
        ...p,
        file: p.file.startsWith(head) ? p.file.slice(head.length + 1) : p.file,
      })),
      ...after.problems,
    ];
    const changes = planChange(
      sideOf(before.manifests.map((m) => m.object)),
      sideOf(after.manifests.map((m) => m.object)),
      loaded.set,
    );
    const render = output === 'markdown' ? renderChangeMarkdown : renderChangeText;
    out(render(changes, problems, loaded.set.policies.length));
    const failed = changes.some((c) => c.policies.some((p) => !p.passed));
    return hasErrors(problems) || failed ? 1 : 0;
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(head, { recursive: true, force: true });
  }
}

/**
 * `plan FILE`: the step timeline of each Rollout in FILE (templates from FILE's directory).
 * `plan --base REF --head REF PATH`: see planChangeCommand.
 */
export function planCommand(args: string[], out: Out = stdout, err: Out = stderr): Promise<number> {
  const { positionals, values } = parseFlags(args, flags, 'plan');
  if (values.base !== undefined || values.head !== undefined) {
    if (values.base === undefined || values.head === undefined)
      throw new UsageError('plan: give both --base REF and --head REF');
    return planChangeCommand(values, positionals[0] ?? '.', out);
  }
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

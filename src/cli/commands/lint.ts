import { formatGithub, formatJson, formatText, hasErrors, lintPaths, sortProblems } from '../../lint/lint.ts';
import { readPolicyPaths } from '../../lint/policy-sources.ts';
import { parseFlags, UsageError } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

const FORMATS = { text: formatText, json: formatJson, github: formatGithub } as const;

/**
 * `lint PATH... [--policies DIR]... [--output text|json|github]`: exit 1 when any error is found.
 * Without --policies only schema and semantics are checked: admission policies are opt-in.
 */
export function lintCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { output: { type: 'string', short: 'o' }, policies: { type: 'string', multiple: true } },
    'lint',
  );
  const output = values.output ?? 'text';
  if (!Object.hasOwn(FORMATS, output)) {
    throw new UsageError(`lint: --output must be one of: ${Object.keys(FORMATS).join(', ')}`);
  }
  if (positionals.length === 0) throw new UsageError('lint: missing PATH (files or directories)');
  const policies = values.policies ? readPolicyPaths(values.policies) : undefined;
  const problems = sortProblems([
    ...(policies?.problems ?? []),
    ...lintPaths(positionals, policies ? { policies: policies.set } : {}),
  ]);
  out(FORMATS[output as keyof typeof FORMATS](problems));
  return Promise.resolve(hasErrors(problems) ? 1 : 0);
}

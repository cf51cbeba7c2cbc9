import { formatGithub, formatJson, formatText, hasErrors, lintPaths } from '../../lint/lint.ts';
import { parseFlags, UsageError } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

const FORMATS = { text: formatText, json: formatJson, github: formatGithub } as const;

/** `lint PATH... [--output text|json|github]`: exit 1 when any error is found. */
export function lintCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, { output: { type: 'string', short: 'o' } }, 'lint');
  const output = values.output ?? 'text';
  if (!Object.hasOwn(FORMATS, output)) {
    throw new UsageError(`lint: --output must be one of: ${Object.keys(FORMATS).join(', ')}`);
  }
  if (positionals.length === 0) throw new UsageError('lint: missing PATH (files or directories)');
  const problems = lintPaths(positionals);
  out(FORMATS[output as keyof typeof FORMATS](problems));
  return Promise.resolve(hasErrors(problems) ? 1 : 0);
}

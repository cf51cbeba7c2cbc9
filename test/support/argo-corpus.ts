/**
 * The Argo-style corpus (test/fixtures/argo-corpus/*.yaml) and its expectations: each file's
 * first line is `# expect: accepted` or `# expect: rejected <field path>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../../src/lint/lint.ts';

export const CORPUS_DIR = join(import.meta.dirname, '../fixtures/argo-corpus');

export interface CorpusEntry {
  file: string;
  expect: { verdict: 'accepted' } | { verdict: 'rejected'; field: string };
}

/** Every corpus file with its expectation; a file without a valid first line is an error. */
export function corpusEntries(dir = CORPUS_DIR): CorpusEntry[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
      const match = /^# expect: (accepted|rejected (\S+))\s*$/.exec(first);
      if (!match)
        throw new Error(`${name}: first line must be "# expect: accepted" or "# expect: rejected <field>"`);
      return {
        file,
        expect: match[2] === undefined ? { verdict: 'accepted' } : { verdict: 'rejected', field: match[2] },
      };
    });
}

/** True when the problem is about `field` itself or a field inside it. */
export function namesField(problem: Pick<Problem, 'path'>, field: string): boolean {
  return (
    problem.path === field || problem.path.startsWith(`${field}.`) || problem.path.startsWith(`${field}[`)
  );
}

// The dependency rule (eslint.dependency-rule.js) run through ESLint's Node API on deliberately
// wrong and right imports: each wrong one must be reported by the rule that guards it.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import repoConfig from '../../eslint.config.js';
import { dependencyRule } from '../../eslint.dependency-rule.js';

const root = new URL('../..', import.meta.url).pathname;

// Only the dependency rule (no type-aware rules, which would need the files on disk).
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...dependencyRule],
});

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
async function reported(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the dependency rule', () => {
  it('is part of the repository lint config', () => {
    for (const config of dependencyRule) expect(repoConfig).toContain(config);
  });

  it('keeps the core from importing the shell, in any subfolder of strategies/', async () => {
    const wrong = `import { annotations } from '../../src/kube/names.ts';\nexport const a = annotations;\n`;
    expect(await reported('strategies/canary/example.ts', wrong)).toEqual(['no-restricted-imports']);
    expect(await reported('analysis/example.ts', wrong.replace('../../', '../'))).toEqual([
      'no-restricted-imports',
    ]);
    const right = `import type { CanaryStep } from '../types.ts';\nexport type S = CanaryStep;\n`;
    expect(await reported('strategies/canary/example.ts', right)).toEqual([]);
  });

  it('lets the core read the API types, and nothing else from src/api', async () => {
    const types = `import type { Metric } from '../src/api/analysis.ts';\nexport type M = Metric;\n`;
    expect(await reported('analysis/example.ts', types)).toEqual([]);
    const code = `import { API_VERSION } from '../src/api/common.ts';\nexport const v = API_VERSION;\n`;
    expect(await reported('analysis/example.ts', code)).toEqual(['no-restricted-imports']);
  });

  it('keeps I/O and the clock out of the pure core', async () => {
    const io = `import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n`;
    expect(await reported('strategies/example.ts', io)).toEqual(['no-restricted-imports']);
    expect(await reported('strategies/example.ts', `export const t = Date.now();\n`)).toEqual([
      'no-restricted-syntax',
    ]);
    expect(await reported('strategies/kernel/example.ts', `export const d = new Date();\n`)).toEqual([
      'no-restricted-syntax',
    ]);
    expect(
      await reported('strategies/example.ts', `export const d = (now: number) => new Date(now);\n`),
    ).toEqual([]);
  });

  it('keeps a lower room from importing a higher one or a sibling', async () => {
    const up = `import { rolloutKey } from '../controller/rollout-object.ts';\nexport const k = rolloutKey;\n`;
    expect(await reported('src/traffic/example.ts', up)).toEqual(['import-x/no-restricted-paths']);
    const notify = `import { Notifier } from '../notify/notifier.ts';\nexport const n = Notifier;\n`;
    expect(await reported('src/controller/example.ts', notify)).toEqual(['import-x/no-restricted-paths']);
    const sibling = `import { renderPath } from '../sync/render.ts';\nexport const r = renderPath;\n`;
    expect(await reported('src/controller/example.ts', sibling)).toEqual(['import-x/no-restricted-paths']);
    const cli = `import { UsageError } from '../../cli/flags.ts';\nexport const u = UsageError;\n`;
    expect(await reported('src/dashboard/view/example.ts', cli)).toEqual(['import-x/no-restricted-paths']);
  });

  it('lets a room import its own and lower rooms, and tools import anything', async () => {
    const down = `import { annotations } from '../kube/names.ts';\nimport { routersFor } from '../traffic/routers.ts';\nexport const a = [annotations, routersFor];\n`;
    expect(await reported('src/controller/example.ts', down)).toEqual([]);
    const any = `import { Manager } from '../../src/controller/manager.ts';\nimport type { IntOrPercent } from '../../strategies/types.ts';\nexport const m: [typeof Manager, IntOrPercent] = [Manager, 1];\n`;
    expect(await reported('test/support/example.ts', any)).toEqual([]);
  });
});

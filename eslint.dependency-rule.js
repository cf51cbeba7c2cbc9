// The dependency rule: imports run down, from the CLI to the shell to the pure core, never up.
// eslint.config.js spreads these configs in (so `npm run lint` enforces them), and
// test/unit/dependency-rule.test.ts lints deliberately wrong imports with them. The rooms and the
// reasons are in docs/architecture.md ("Rooms and the direction of imports").
import importX from 'eslint-plugin-import-x';

/**
 * The rooms of src/, lowest first. A file may import its own room and the rooms of lower layers;
 * a room of the same layer or a higher one is an error. The core (strategies/, analysis/) sits
 * below all of them and has its own rule (coreConfigs); tools (test/, tools/) may import anything.
 * Globs, so subfolders (strategies/canary/, src/controller/group/...) belong to their room.
 * @type {{ name: string; files: string[] }[][]}
 */
export const layers = [
  [{ name: 'src/kube and src/*.ts', files: ['src/kube/**', 'src/*.ts'] }],
  [{ name: 'src/api', files: ['src/api/**'] }],
  [
    { name: 'src/traffic', files: ['src/traffic/**'] },
    { name: 'src/convert', files: ['src/convert/**'] },
  ],
  [{ name: 'src/lint', files: ['src/lint/**'] }],
  [
    { name: 'src/controller', files: ['src/controller/**'] },
    { name: 'src/sync', files: ['src/sync/**'] },
  ],
  [
    { name: 'src/notify', files: ['src/notify/**'] },
    { name: 'src/operations', files: ['src/operations/**'] },
    { name: 'src/install', files: ['src/install/**'] },
  ],
  [{ name: 'src/dashboard', files: ['src/dashboard/**'] }],
  [{ name: 'src/cli', files: ['src/cli/**'] }],
];

/** One zone per (room, room it may not import): the message names both. */
function roomZones() {
  /** @type {{ target: string[]; from: string[]; message: string }[]} */
  const zones = [];
  layers.forEach((layer, level) => {
    for (const room of layer) {
      const forbidden = layers.flatMap((other, otherLevel) =>
        otherLevel > level ? other : otherLevel === level ? other.filter((r) => r !== room) : [],
      );
      for (const higher of forbidden)
        zones.push({
          target: room.files,
          from: higher.files,
          message: `${room.name} may not import ${higher.name}: imports run down the rooms (docs/architecture.md).`,
        });
    }
  });
  return zones;
}

/** The core imports nothing from src/ but the API's types (zod-inferred, src/api: the contract it reads). */
const coreSrcPatterns = [
  {
    group: ['**/src/api/**'],
    allowTypeImports: true,
    message: 'the core may import only types from src/api, no code from src/ (the shell imports the core)',
  },
  {
    regex: '(^|/)src/(?!api/)',
    message: 'the core imports nothing from src/ (arrows run down: the shell imports the core)',
  },
];

/** The pure part of the core does no I/O either. */
const coreIoPatterns = [
  { group: ['node:*', 'fs', 'http', 'https', 'net', 'child_process'], message: 'pure core: no I/O' },
  { group: ['@kubernetes/*', 'axios'], message: 'pure core: no I/O' },
];

const clockSyntax = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'pure core: no clock, time is an input (StrategyInput.now)',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'pure core: no clock, time is an input (StrategyInput.now)',
  },
];

const core = ['strategies/**/*.ts', 'analysis/**/*.ts'];

/** @type {import('eslint').Linter.Config[]} */
export const dependencyRule = [
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: roomZones() }],
    },
  },
  {
    // All of the core, its tests and analysis' providers included: nothing from src/ but API types.
    files: core,
    rules: { 'no-restricted-imports': ['error', { patterns: coreSrcPatterns }] },
  },
  {
    // The pure core: no I/O and no clock as well. Providers are analysis' I/O edge (HTTP, Jobs);
    // tests may start local servers and read clocks.
    files: core,
    ignores: ['**/*.test.ts', '**/test-support/**', 'analysis/providers/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...coreSrcPatterns, ...coreIoPatterns] }],
      'no-restricted-syntax': ['error', ...clockSyntax],
    },
  },
];

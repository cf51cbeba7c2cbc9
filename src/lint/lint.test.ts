import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatGithub, formatText, hasErrors, lintParsed, lintPaths, type Problem } from './lint.ts';
import { readPolicyPaths } from './policy-sources.ts';
import { parsePath, parseYaml } from './source.ts';

const BAD = 'test/fixtures/lint/bad';
const GOOD = 'test/fixtures/lint/good';

const where = (p: Problem) => `${p.file}:${p.line}:${p.col}`;

describe('lint on the fixtures', () => {
  it('finds nothing in the good fixtures', () => {
    expect(lintPaths([GOOD])).toEqual([]);
  });

  it('reports every problem of the bad fixtures at the line of its field', () => {
    const problems = lintPaths([BAD], { policies: readPolicyPaths(['deploy/policies']).set });
    expect(problems.map((p) => `${where(p)} ${p.severity} ${p.path}`)).toEqual([
      `${BAD}/rollout.yaml:7:3 error spec.replicaz`,
      `${BAD}/rollout.yaml:22:11 error spec.strategy.canary.steps[0].setWeight`,
      `${BAD}/rollout.yaml:44:7 error spec.strategy.canary.steps`,
      `${BAD}/rollout.yaml:44:7 error spec.strategy.canary.steps`,
      `${BAD}/rollout.yaml:72:17 error spec.strategy.canary.steps[1].analysis.templates[0].templateName`,
      `${BAD}/syntax.yml:6:1 error `,
      `${BAD}/template.yaml:8:7 error spec.metrics[0].successCondition`,
    ]);
    const text = formatText(problems);
    expect(text).toContain(
      `${BAD}/rollout.yaml:7:3: error: Rollout unknown-field: spec.replicaz: unknown field`,
    );
    expect(text).toContain('steps[0].setWeight: must be at most 100');
    expect(text).toContain(
      'Rollout shop/policies: spec.strategy.canary.steps: policy: bellwether-canary-analysis-before-full: canary must have an analysis before 100%',
    );
    expect(text).toContain('policy: bellwether-canary-max-step-weight: ');
    expect(text).toContain('AnalysisTemplate "error-rate" not found in the linted files');
    expect(text).not.toContain('cluster-wide');
    expect(text).toContain(`${BAD}/syntax.yml:6:1: error: YAML syntax: `);
    expect(text).toContain('successCondition: condition does not compile: ');
    expect(hasErrors(problems)).toBe(true);
  });

  it('enforces no policy unless policies are given: a plain canary is fine', () => {
    const problems = lintPaths([`${BAD}/rollout.yaml`]);
    expect(problems.filter((p) => p.message.startsWith('policy:'))).toEqual([]);
    expect(lintPaths(['deploy/examples/canary.yaml'])).toEqual([]);
  });

  it('resolves references across files and directories', () => {
    // The good Rollout alone misses its template, which lives in the other file.
    const alone = lintPaths([`${GOOD}/rollout.yaml`]);
    expect(alone.map((p) => `${p.line} ${p.message}`)).toEqual([
      '36 AnalysisTemplate "success-rate" not found in the linted files',
    ]);
  });
});

describe('lint of inline documents', () => {
  const lint = (text: string) => lintParsed([parseYaml('x.yaml', text)]);
  const header = 'apiVersion: bellwether.dev/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\n';

  it('skips other groups, non-objects and empty documents', () => {
    expect(lint('---\n---\n42\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n')).toEqual([]);
  });

  it('points at the key of a bad field, and at the parent of a missing one', () => {
    const problems = lint(`${header}spec:\n  metrics: []\n---\n${header}spec: {}\n`);
    expect(problems.map((p) => `${p.line}:${p.col} ${p.path} ${p.message}`)).toEqual([
      '6:3 spec.metrics must have at least one item',
      '12:1 spec at least one of metrics, templates must be set',
    ]);
  });

  it('applies and reports the translation of an Argo expr condition, without failing', () => {
    const problems = lint(
      `${header}spec:\n  metrics:\n    - name: rate\n      successCondition: len(result) > 0 and all(result, {# >= 0.95})\n` +
        `      failureCondition: "result[0] < 0.9"\n      provider:\n        prometheus:\n          address: http://p:9090\n          query: up\n`,
    );
    expect(problems.map((p) => `${p.line}:${p.col} ${p.severity} ${p.path} ${p.message}`)).toEqual([
      "8:7 warning spec.metrics[0].successCondition translated Argo expr condition 'len(result) > 0 and all(result, {# >= 0.95})' to CEL 'size(result) > 0 && result.all(x, x >= 0.95)'",
    ]);
    expect(hasErrors(problems)).toBe(false);
  });

  it('refuses a step the controller cannot carry out, naming the step (a gate never silently passes)', () => {
    const rollout = [
      'apiVersion: bellwether.dev/v1alpha1',
      'kind: Rollout',
      'metadata: {name: r}',
      'spec:',
      '  selector: {matchLabels: {app: r}}',
      '  template:',
      '    metadata: {labels: {app: r}}',
      '    spec: {containers: [{name: app, image: r:1}]}',
      '  strategy:',
      '    canary:',
      '      steps:',
      '        - setWeight: 20',
      '        - experiment:',
      '            templates: [{name: c, specRef: canary, weight: 10}]',
      '',
    ].join('\n');
    const problems = lint(rollout).filter((p) => p.severity === 'error');
    expect(problems.map((p) => `${p.line} ${p.path}`)).toContain(
      '14 spec.strategy.canary.steps[1].experiment.templates[0].weight',
    );
    expect(hasErrors(problems)).toBe(true);
  });

  it('warns about an object defined twice, without failing', () => {
    const problems = lintPaths([`${GOOD}/template.yaml`, `${GOOD}/template.yaml`]);
    expect(problems.map((p) => `${where(p)} ${p.severity} ${p.message}`)).toEqual([
      `${GOOD}/template.yaml:5:3 warning also defined at ${GOOD}/template.yaml:2; the later one wins when applied`,
    ]);
    expect(hasErrors(problems)).toBe(false);
  });

  it('formats GitHub workflow commands with escaped properties and data', () => {
    const out = formatGithub([
      {
        file: 'a,b.yaml',
        line: 3,
        col: 5,
        severity: 'error',
        object: 'Rollout x',
        path: 'spec',
        message: '50%\nx',
      },
    ]);
    expect(out).toBe('::error file=a%2Cb.yaml,line=3,col=5::Rollout x: spec: 50%25%0Ax\n');
  });

  it('parses field paths', () => {
    expect(parsePath('spec.steps[2].setWeight')).toEqual(['spec', 'steps', 2, 'setWeight']);
    expect(parsePath('metadata.labels[app.kubernetes.io/name]')).toEqual([
      'metadata',
      'labels',
      'app.kubernetes.io/name',
    ]);
  });
});

// Each run starts node on the compiled CLI: a second or more on a busy machine.
describe('bellwether lint (CLI)', { timeout: 60_000 }, () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/bellwether.js', 'lint', ...args], { encoding: 'utf8' });

  it('lists every problem with file and line, exit 1', () => {
    const result = run('test/fixtures/lint', '--policies', 'deploy/policies');
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const line of lines)
      expect(line).toMatch(/^test\/fixtures\/lint\/bad\/[a-z]+\.ya?ml:\d+:\d+: error: /);
  });

  it('writes GitHub workflow commands and JSON', () => {
    const github = run('--output', 'github', 'test/fixtures/lint');
    expect(github.status).toBe(1);
    expect(github.stdout).toContain('::error file=test/fixtures/lint/bad/rollout.yaml,line=7,col=3::Rollout');
    const json = run('--output', 'json', BAD);
    expect(json.status).toBe(1);
    const parsed = JSON.parse(json.stdout) as Problem[];
    expect(parsed[0]).toMatchObject({ file: `${BAD}/rollout.yaml`, line: 7, col: 3, path: 'spec.replicaz' });
  });

  it('exits 0 on good files and 2 on usage errors', () => {
    expect(run(GOOD).status).toBe(0);
    expect(run(GOOD, '--policies', 'deploy/policies').status).toBe(0);
    expect(run().status).toBe(2);
    expect(run('--output', 'xml', GOOD).status).toBe(2);
  });
});

/**
 * Offline checks of Bellwether manifests: schema (strict: unknown fields are errors), semantics,
 * CEL conditions, AnalysisTemplate references across the linted files, and the admission
 * policies given (none by default: policies are opt-in, see `admission-policy.ts`). Each problem
 * points at the line of the field. Pure apart from `lintPaths`, which reads the files.
 */
import { compileCondition } from '../../analysis/conditions.ts';
import { semanticErrors } from '../api/semantics.ts';
import { GitSource } from '../api/gitsource.ts';
import {
  describeObject,
  issuesToErrors,
  validateResource,
  type BellwetherResource,
} from '../api/validate.ts';
import { emptyPolicySet, evaluatePolicies, type PolicySet, type Target } from './admission-policy.ts';
import { trafficStepIssues } from '../traffic/capabilities.ts';
import {
  readYamlFiles,
  yamlFilesUnder,
  type ParsedFile,
  type Position,
  type SourceDocument,
} from './source.ts';

export type Severity = 'error' | 'warning';

export interface Problem {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  /** `Rollout shop/checkout`; empty for YAML syntax errors. */
  object: string;
  /** Field path; empty for the whole document. */
  path: string;
  message: string;
}

const GROUP = 'bellwether.dev/';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Checked {
  doc: SourceDocument;
  resource: BellwetherResource;
}

function problemAt(doc: SourceDocument, severity: Severity, object: string, path: string, message: string) {
  const { line, col }: Position = doc.positionOf(path);
  return { file: doc.file, line, col, severity, object, path, message };
}

/**
 * Conditions that do not compile (placeholders are left to run time), and Argo `expr` conditions
 * translated to CEL (a warning that says what runs).
 */
function conditionProblems(
  resource: BellwetherResource,
): { path: string; severity: Severity; message: string }[] {
  if (resource.kind === 'Rollout' || resource.kind === 'RolloutGroup' || !('metrics' in resource.spec))
    return [];
  const found: { path: string; severity: Severity; message: string }[] = [];
  (resource.spec.metrics ?? []).forEach((metric, index) => {
    for (const field of ['successCondition', 'failureCondition'] as const) {
      const expression = metric[field];
      if (expression === undefined || expression.includes('{{')) continue;
      const path = `spec.metrics[${index}].${field}`;
      const outcome = compileCondition(expression);
      if (!outcome.ok)
        found.push({ path, severity: 'error', message: `condition does not compile: ${outcome.error}` });
      else if (outcome.condition.translatedFrom !== undefined)
        found.push({
          path,
          severity: 'warning',
          message: `translated Argo expr condition '${expression}' to CEL '${outcome.condition.expression}'`,
        });
    }
  });
  return found;
}

/** Every `templateName` a Rollout refers to, with its path. */
function templateRefs(value: unknown, path: string, out: { path: string; name: string; cluster: boolean }[]) {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      templateRefs(item, `${path}[${index}]`, out);
    });
  } else if (isRecord(value)) {
    if (typeof value.templateName === 'string') {
      out.push({
        path: `${path}.templateName`,
        name: value.templateName,
        cluster: value.clusterScope === true,
      });
    }
    for (const [key, child] of Object.entries(value))
      templateRefs(child, path === '' ? key : `${path}.${key}`, out);
  }
  return out;
}

function namespaceOf(resource: BellwetherResource): string {
  return resource.metadata.namespace ?? '';
}

function referenceProblems(checked: readonly Checked[]): Problem[] {
  const templates = new Set(
    checked
      .filter((c) => c.resource.kind === 'AnalysisTemplate')
      .map((c) => `${namespaceOf(c.resource)}/${c.resource.metadata.name}`),
  );
  const clusterTemplates = new Set(
    checked.filter((c) => c.resource.kind === 'ClusterAnalysisTemplate').map((c) => c.resource.metadata.name),
  );
  const problems: Problem[] = [];
  for (const { doc, resource } of checked) {
    if (resource.kind !== 'Rollout') continue;
    for (const ref of templateRefs(resource.spec, 'spec', [])) {
      // A ClusterAnalysisTemplate is often installed once per cluster, apart from the app.
      if (ref.cluster) continue;
      if (templates.has(`${namespaceOf(resource)}/${ref.name}`)) continue;
      const hint = clusterTemplates.has(ref.name)
        ? ' (a ClusterAnalysisTemplate has that name: set clusterScope: true)'
        : '';
      problems.push(
        problemAt(
          doc,
          'error',
          describeObject(resource),
          ref.path,
          `AnalysisTemplate "${ref.name}" not found in the linted files${hint}`,
        ),
      );
    }
  }
  return problems;
}

function duplicateProblems(checked: readonly Checked[]): Problem[] {
  const seen = new Map<string, SourceDocument>();
  const problems: Problem[] = [];
  for (const { doc, resource } of checked) {
    const key = `${resource.kind} ${namespaceOf(resource)}/${resource.metadata.name}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, doc);
      continue;
    }
    problems.push(
      problemAt(
        doc,
        'warning',
        describeObject(resource),
        'metadata.name',
        `also defined at ${first.file}:${first.start.line}; the later one wins when applied`,
      ),
    );
  }
  return problems;
}

export interface LintOptions {
  /** Admission policies to enforce (default: none). */
  policies?: PolicySet;
  /** The namespace of objects that name none (the sync's target namespace). */
  namespace?: string;
  /** Labels of a namespace, for policies' namespace selectors; undefined: unknown (matches). */
  namespaceLabels?: (namespace: string) => Record<string, string> | undefined;
}

/** Policy outcomes as problems at the field each failed validation reads. */
function policyProblems(
  doc: SourceDocument,
  value: Record<string, unknown>,
  options: LintOptions,
): Problem[] {
  const policies = options.policies ?? emptyPolicySet;
  if (policies.bindings.length === 0) return [];
  const metadata = value.metadata as Record<string, unknown>;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : options.namespace;
  const object = {
    ...value,
    metadata: { ...metadata, ...(namespace ? { namespace } : {}) },
  } as Target['object'];
  const labels = namespace ? options.namespaceLabels?.(namespace) : undefined;
  const problems: Problem[] = [];
  const name = describeObject(object);
  for (const outcome of evaluatePolicies(policies, {
    object,
    ...(labels ? { namespaceLabels: labels } : {}),
  })) {
    for (const violation of outcome.violations) {
      const deny = violation.actions.includes('Deny');
      const audit = !deny && !violation.actions.includes('Warn') ? ' (audit only)' : '';
      problems.push(
        problemAt(
          doc,
          deny ? 'error' : 'warning',
          name,
          violation.paths[0] ?? '',
          `policy: ${outcome.policy}: ${violation.message}${audit}`,
        ),
      );
    }
    for (const expression of outcome.unchecked) {
      problems.push(
        problemAt(
          doc,
          'warning',
          name,
          '',
          `policy: ${outcome.policy}: not checked offline (the API server checks it): ${expression}`,
        ),
      );
    }
  }
  return problems;
}

/** A GitSource is not a BellwetherResource (nothing reconciles it but the sync controller). */
function gitSourceProblems(doc: SourceDocument, value: unknown, object: string): Problem[] {
  const result = GitSource.safeParse(value);
  if (result.success) return [];
  return issuesToErrors(value, result.error.issues).map((e) =>
    problemAt(doc, 'error', object, e.path, e.detail),
  );
}

function isObjectDocument(
  value: unknown,
): value is Record<string, unknown> & { metadata: Record<string, unknown> } {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}

/** A file's YAML syntax errors as lint problems (they belong to no object). */
export function syntaxProblems(file: ParsedFile): Problem[] {
  return file.syntaxErrors.map((syntax) => ({
    file: syntax.file,
    ...syntax.position,
    severity: 'error',
    object: '',
    path: '',
    message: `YAML syntax: ${syntax.message}`,
  }));
}

/** Lints parsed files. Only policies look at documents of other groups; non-objects are skipped. */
export function lintParsed(files: readonly ParsedFile[], options: LintOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const checked: Checked[] = [];
  for (const file of files) {
    problems.push(...syntaxProblems(file));
    for (const doc of file.documents) {
      const value = doc.value;
      if (!isRecord(value) || typeof value.apiVersion !== 'string') continue;
      if (!value.apiVersion.startsWith(GROUP)) {
        if (isObjectDocument(value)) problems.push(...policyProblems(doc, value, options));
        continue;
      }
      const object = describeObject(value);
      if (value.kind === 'GitSource') {
        problems.push(...gitSourceProblems(doc, value, object), ...policyProblems(doc, value, options));
        continue;
      }
      const result = validateResource(value);
      if (!result.ok) {
        for (const error of result.errors)
          problems.push(problemAt(doc, 'error', object, error.path, error.detail));
        continue;
      }
      const resource = result.value;
      checked.push({ doc, resource });
      for (const error of semanticErrors(resource)) {
        problems.push(problemAt(doc, 'error', object, error.path, error.detail));
      }
      for (const { path, severity, message } of conditionProblems(resource)) {
        problems.push(problemAt(doc, severity, object, path, message));
      }
      if (resource.kind === 'Rollout') {
        for (const { path, detail } of trafficStepIssues(resource.spec))
          problems.push(problemAt(doc, 'error', object, path, detail));
      }
      problems.push(...policyProblems(doc, value, options));
    }
  }
  problems.push(...referenceProblems(checked), ...duplicateProblems(checked));
  return sortProblems(problems);
}

export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1,
  );
}

/** Lints files and directories (recursively, *.yaml / *.yml). */
export function lintPaths(paths: readonly string[], options: LintOptions = {}): Problem[] {
  return lintParsed(readYamlFiles(yamlFilesUnder(paths)), options);
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** `file:line:col: error: Rollout ns/name: spec.replicas: must be at least 0` */
export function formatText(problems: readonly Problem[]): string {
  return problems
    .map((p) => {
      const where = [p.object, p.path].filter((part) => part !== '').join(': ');
      return `${p.file}:${p.line}:${p.col}: ${p.severity}: ${where === '' ? '' : `${where}: `}${p.message}\n`;
    })
    .join('');
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands: `::error file=F,line=L,col=C::message`. */
export function formatGithub(problems: readonly Problem[]): string {
  return problems
    .map((p) => {
      const where = [p.object, p.path].filter((part) => part !== '').join(': ');
      const message = `${where === '' ? '' : `${where}: `}${p.message}`;
      return `::${p.severity} file=${escapeProperty(p.file)},line=${p.line},col=${p.col}::${escapeData(message)}\n`;
    })
    .join('');
}

export function formatJson(problems: readonly Problem[]): string {
  return JSON.stringify(problems, null, 2) + '\n';
}

/**
 * Where admission policies come from: YAML files (`--policies DIR`, a GitSource's policies path),
 * or the cluster (`src/sync/cluster-policies.ts`). Every ValidatingAdmissionPolicy and binding
 * in the files is read; every other object is a candidate for a binding's `paramRef`. Expressions
 * that do not compile are problems at their line in the policy file. Pure apart from
 * `readPolicyPaths`, which reads files.
 */
import { compile } from './cel-admission.ts';
import type { PolicySet, ParamObject } from './admission-policy.ts';
import { syntaxProblems, type Problem } from './lint.ts';
import { readYamlFiles, yamlFilesUnder, type ParsedFile, type SourceDocument } from './source.ts';

const GROUP = 'admissionregistration.k8s.io/';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expressionsOf(spec: Record<string, unknown>): { path: string; expression: string }[] {
  const found: { path: string; expression: string }[] = [];
  for (const list of ['variables', 'matchConditions', 'validations', 'auditAnnotations'] as const) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((item, index) => {
      if (!isRecord(item)) return;
      for (const key of ['expression', 'messageExpression', 'valueExpression'] as const) {
        const expression = item[key];
        if (typeof expression === 'string') found.push({ path: `spec.${list}[${index}].${key}`, expression });
      }
    });
  }
  return found;
}

function problem(doc: SourceDocument, object: string, path: string, message: string): Problem {
  const { line, col } = doc.positionOf(path);
  return { file: doc.file, line, col, severity: 'error', object, path, message };
}

/** The policies, bindings and param candidates of parsed files, with compile problems. Pure. */
export function policiesFromParsed(files: readonly ParsedFile[]): { set: PolicySet; problems: Problem[] } {
  const set: PolicySet = { policies: [], bindings: [], params: [] };
  const problems: Problem[] = [];
  for (const file of files) {
    problems.push(...syntaxProblems(file));
    for (const doc of file.documents) {
      const value = doc.value;
      if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string')
        continue;
      const metadata = isRecord(value.metadata) ? value.metadata : {};
      const name = typeof metadata.name === 'string' ? metadata.name : '';
      const spec = isRecord(value.spec) ? value.spec : {};
      const source = { file: doc.file, line: doc.start.line };
      const isAdmission = value.apiVersion.startsWith(GROUP);
      if (isAdmission && value.kind === 'ValidatingAdmissionPolicy') {
        const object = `ValidatingAdmissionPolicy ${name}`;
        if (!Array.isArray(spec.validations) || spec.validations.length === 0) {
          problems.push(problem(doc, object, 'spec.validations', 'a policy needs at least one validation'));
        }
        for (const { path, expression } of expressionsOf(spec)) {
          const compiled = compile(expression);
          if (!compiled.ok && !/authorizer/.test(compiled.error))
            problems.push(problem(doc, object, path, `CEL: ${compiled.error}`));
        }
        set.policies.push({ name, spec, source });
      } else if (isAdmission && value.kind === 'ValidatingAdmissionPolicyBinding') {
        if (typeof spec.policyName !== 'string') {
          problems.push(
            problem(doc, `ValidatingAdmissionPolicyBinding ${name}`, 'spec.policyName', 'is required'),
          );
        }
        set.bindings.push({ name, spec, source });
      } else if (name !== '') {
        set.params.push(value as ParamObject);
      }
    }
  }
  for (const binding of set.bindings) {
    if (!set.policies.some((p) => p.name === binding.spec.policyName)) {
      problems.push({
        file: binding.source.file,
        line: binding.source.line,
        col: 1,
        severity: 'warning',
        object: `ValidatingAdmissionPolicyBinding ${binding.name}`,
        path: 'spec.policyName',
        message: `no ValidatingAdmissionPolicy "${String(binding.spec.policyName)}" among the policies given`,
      });
    }
  }
  return { set, problems };
}

/** Reads policy files and directories (recursively, *.yaml / *.yml). */
export function readPolicyPaths(paths: readonly string[]): { set: PolicySet; problems: Problem[] } {
  return policiesFromParsed(readYamlFiles(yamlFilesUnder(paths)));
}

/**
 * Repository policies over cluster ones: a policy or binding of the same name is taken from the
 * repository (the version being merged); the API server's dry run still enforces what it has.
 */
export function mergePolicySets(preferred: PolicySet, other: PolicySet): PolicySet {
  const policyNames = new Set(preferred.policies.map((p) => p.name));
  const bindingNames = new Set(preferred.bindings.map((b) => b.name));
  return {
    policies: [...preferred.policies, ...other.policies.filter((p) => !policyNames.has(p.name))],
    bindings: [...preferred.bindings, ...other.bindings.filter((b) => !bindingNames.has(b.name))],
    params: [...preferred.params, ...other.params],
  };
}

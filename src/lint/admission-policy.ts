/**
 * ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1) evaluated outside the API server,
 * with the API server's rules: a policy applies to an object through each binding that names it,
 * when the object matches the policy's `matchConstraints` and the binding's `matchResources`
 * (resource rules, excluded rules, namespace and object selectors) and every `matchConditions`
 * expression holds; `paramRef` picks the params; each of `validations` must evaluate to true,
 * else its `messageExpression`, `message` or the expression is the message, and the binding's
 * `validationActions` decide (Deny: error, Warn: warning, Audit: reported only). An expression
 * that fails to evaluate follows `failurePolicy` (Fail, the default, denies). Pure: the policies,
 * params and namespace labels are inputs (`policy-sources.ts` reads them from files or a cluster).
 */
import { compile, run, toCel, type Compiled } from './cel-admission.ts';

export interface SourceRef {
  file: string;
  line: number;
}

type Json = Record<string, unknown>;

export interface AdmissionPolicy {
  name: string;
  spec: Json;
  /** Where it was read from: a file, or `cluster`. */
  source: SourceRef;
}

export interface AdmissionBinding {
  name: string;
  spec: Json;
  source: SourceRef;
}

/** Objects params can come from (any kind; matched by paramKind, paramRef name/namespace/selector). */
export interface ParamObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface PolicySet {
  policies: AdmissionPolicy[];
  bindings: AdmissionBinding[];
  params: ParamObject[];
}

export const emptyPolicySet: PolicySet = { policies: [], bindings: [], params: [] };

export interface Target {
  object: Json & { apiVersion: string; kind: string; metadata: Json & { name: string; namespace?: string } };
  /** Plural resource name (`rollouts`); from discovery when known, else derived from the kind. */
  resource?: string;
  operation?: 'CREATE' | 'UPDATE';
  oldObject?: Json;
  /** Labels of the object's namespace; undefined when unknown (a namespace selector then matches). */
  namespaceLabels?: Record<string, string>;
}

export type Verdict = 'Deny' | 'Warn' | 'Audit';

export interface PolicyOutcome {
  policy: string;
  binding: string;
  /** Empty when the policy passed. */
  violations: { message: string; expression: string; paths: string[]; actions: Verdict[] }[];
  /** Expressions that could not be checked here (e.g. authorizer); the API server still does. */
  unchecked: string[];
  source: SourceRef;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label selector semantics; an absent selector matches everything. Pure. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    if (operator === 'In' && !(has && values.includes(value ?? ''))) return false;
    if (operator === 'NotIn' && has && values.includes(value ?? '')) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const IRREGULAR: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  NetworkPolicy: 'networkpolicies',
  PodSecurityPolicy: 'podsecuritypolicies',
};

/** `Rollout` -> `rollouts`, `Ingress` -> `ingresses`, `NetworkPolicy` -> `networkpolicies`. Pure. */
export function resourceOfKind(kind: string): string {
  const known = IRREGULAR[kind];
  if (known) return known;
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

interface ResourceRule {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  resourceNames?: string[];
  scope?: string;
}

interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: ResourceRule[];
  excludeResourceRules?: ResourceRule[];
}

const listHas = (list: string[] | undefined, value: string) =>
  list !== undefined && (list.includes('*') || list.includes(value));

function ruleMatches(rule: ResourceRule, group: string, version: string, resource: string, target: Target) {
  const name = target.object.metadata.name;
  const namespaced = target.object.metadata.namespace !== undefined;
  return (
    listHas(rule.apiGroups, group) &&
    listHas(rule.apiVersions, version) &&
    listHas(rule.resources, resource) &&
    listHas(rule.operations, target.operation ?? 'CREATE') &&
    (rule.resourceNames === undefined ||
      rule.resourceNames.length === 0 ||
      rule.resourceNames.includes(name)) &&
    (rule.scope === undefined || rule.scope === '*' || (rule.scope === 'Namespaced') === namespaced)
  );
}

/** Whether `target` is selected by a `matchConstraints` / `matchResources`. Pure. */
export function resourcesMatch(
  match: MatchResources | undefined,
  target: Target,
  requireRules: boolean,
): boolean {
  if (!match) return !requireRules;
  const [group, version] = target.object.apiVersion.includes('/')
    ? (target.object.apiVersion.split('/') as [string, string])
    : ['', target.object.apiVersion];
  const resource = target.resource ?? resourceOfKind(target.object.kind);
  const rules = match.resourceRules;
  if (rules !== undefined && rules.length > 0) {
    if (!rules.some((r) => ruleMatches(r, group, version, resource, target))) return false;
  } else if (requireRules) {
    return false;
  }
  if ((match.excludeResourceRules ?? []).some((r) => ruleMatches(r, group, version, resource, target)))
    return false;
  const labels = (target.object.metadata.labels ?? {}) as Record<string, string>;
  if (!selectorMatches(match.objectSelector, labels)) return false;
  const namespace = target.object.metadata.namespace;
  if (namespace !== undefined && target.namespaceLabels !== undefined) {
    if (!selectorMatches(match.namespaceSelector, target.namespaceLabels)) return false;
  }
  return true;
}

/** The params a binding selects for `target`; `undefined` entry: the policy takes no params. */
function paramsFor(
  policy: AdmissionPolicy,
  binding: AdmissionBinding,
  target: Target,
  set: PolicySet,
): { params: (ParamObject | null)[]; missing?: string } {
  const paramKind = policy.spec.paramKind as { apiVersion?: string; kind?: string } | undefined;
  if (!paramKind) return { params: [null] };
  const ref = binding.spec.paramRef as
    | { name?: string; namespace?: string; selector?: LabelSelector; parameterNotFoundAction?: string }
    | undefined;
  if (!ref) return { params: [], missing: `binding ${binding.name} has no paramRef` };
  const namespace = ref.namespace ?? target.object.metadata.namespace;
  const found = set.params.filter(
    (p) =>
      p.kind === paramKind.kind &&
      p.apiVersion === paramKind.apiVersion &&
      (p.metadata.namespace === undefined || namespace === undefined || p.metadata.namespace === namespace) &&
      (ref.name !== undefined
        ? p.metadata.name === ref.name
        : selectorMatches(ref.selector, p.metadata.labels ?? {})),
  );
  if (found.length > 0) return { params: found };
  if (ref.parameterNotFoundAction === 'Allow') return { params: [] };
  const what =
    ref.name !== undefined
      ? `${paramKind.kind} ${namespace ? `${namespace}/` : ''}${ref.name}`
      : `${paramKind.kind} matching the selector`;
  return { params: [], missing: `params not found: ${what} (paramRef of binding ${binding.name})` };
}

const compiledCache = new Map<string, Compiled>();
function compiled(expression: string): Compiled {
  let hit = compiledCache.get(expression);
  if (!hit) {
    hit = compile(expression);
    compiledCache.set(expression, hit);
  }
  return hit;
}

interface Variable {
  name: string;
  expression: string;
}

/** Field paths of `object` an expression reads, variables expanded, in order of appearance. Pure. */
export function objectPaths(expression: string, variables: readonly Variable[], depth = 0): string[] {
  const paths: string[] = [];
  const re = /(^|[^A-Za-z0-9_.])(object|variables)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)+)/g;
  for (const match of expression.matchAll(re)) {
    const chain = (match[3] ?? '').replace(/\s+/g, '').slice(1);
    if (match[2] === 'object') paths.push(chain);
    else if (depth < 10) {
      const variable = variables.find((v) => v.name === chain.split('.')[0]);
      if (variable) paths.push(...objectPaths(variable.expression, variables, depth + 1));
    }
  }
  return [...new Set(paths)];
}

/** The deepest part of `path` that exists in `object`. */
function existingPrefix(object: unknown, path: string): string {
  const kept: string[] = [];
  let current = object;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) break;
    kept.push(segment);
    current = (current as Json)[segment];
  }
  return kept.join('.');
}

/** What an expression sees, as the API server builds it for an admission request. */
function celContext(target: Target, param: ParamObject | null): Record<string, unknown> {
  const namespace = target.object.metadata.namespace;
  return {
    object: toCel(target.object),
    oldObject: target.oldObject === undefined ? null : toCel(target.oldObject),
    params: param === null ? null : toCel(param),
    namespaceObject:
      namespace === undefined
        ? null
        : { metadata: { name: namespace, labels: target.namespaceLabels ?? {} } },
    request: toCel({
      operation: target.operation ?? 'CREATE',
      name: target.object.metadata.name,
      namespace: namespace ?? '',
      kind: { kind: target.object.kind },
      resource: { resource: target.resource ?? resourceOfKind(target.object.kind) },
      userInfo: { username: 'bellwether' },
      dryRun: false,
    }),
  };
}

/** Every binding's outcome for `target`; policies that do not match it are left out. Pure. */
export function evaluatePolicies(set: PolicySet, target: Target): PolicyOutcome[] {
  const outcomes: PolicyOutcome[] = [];
  for (const binding of set.bindings) {
    const policy = set.policies.find((p) => p.name === binding.spec.policyName);
    if (!policy) continue;
    const spec = policy.spec;
    if (!resourcesMatch(spec.matchConstraints as MatchResources | undefined, target, true)) continue;
    if (!resourcesMatch(binding.spec.matchResources as MatchResources | undefined, target, false)) continue;
    const actions = ((binding.spec.validationActions as Verdict[] | undefined) ?? ['Deny']).slice();
    const failOpen = spec.failurePolicy === 'Ignore';
    const variables = (spec.variables as Variable[] | undefined) ?? [];
    const outcome: PolicyOutcome = {
      policy: policy.name,
      binding: binding.name,
      violations: [],
      unchecked: [],
      source: policy.source,
    };
    const deny = (message: string, expression: string, paths: string[] = []) => {
      outcome.violations.push({ message, expression, paths, actions });
    };
    const { params, missing } = paramsFor(policy, binding, target, set);
    if (missing !== undefined) deny(missing, 'paramRef');
    for (const param of params) evaluateWith(param);
    if (outcome.violations.length > 0 || outcome.unchecked.length > 0 || params.length > 0 || missing) {
      outcomes.push(outcome);
    }

    function evaluateWith(param: ParamObject | null) {
      const base = celContext(target, param);
      const values: Record<string, unknown> = {};
      const context = { ...base, variables: values };
      const evaluate = (
        expression: string,
      ): { ok: true; value: unknown } | { ok: false; error: string; unchecked?: true } => {
        const program = compiled(expression);
        if (!program.ok)
          return {
            ok: false,
            error: program.error,
            ...(/authorizer/.test(program.error) ? { unchecked: true as const } : {}),
          };
        return run(program, context);
      };
      for (const variable of variables) {
        const result = evaluate(variable.expression);
        // Variables are lazy in the API server: an error matters only where one is used.
        if (result.ok) values[variable.name] = result.value;
      }
      const conditions = (spec.matchConditions as { name: string; expression: string }[] | undefined) ?? [];
      for (const condition of conditions) {
        const result = evaluate(condition.expression);
        if (!result.ok) {
          if ('unchecked' in result) outcome.unchecked.push(condition.expression);
          else if (!failOpen) deny(`matchCondition ${condition.name}: ${result.error}`, condition.expression);
          return;
        }
        if (result.value !== true) return;
      }
      const validations =
        (spec.validations as
          { expression: string; message?: string; messageExpression?: string }[] | undefined) ?? [];
      for (const validation of validations) {
        const result = evaluate(validation.expression);
        // The most precise field the expression reads first: `spec.strategy.canary.steps`.
        const paths = [
          ...new Set(
            objectPaths(validation.expression, variables)
              .map((p) => existingPrefix(target.object, p))
              .filter((p) => p !== ''),
          ),
        ].sort((a, b) => b.split('.').length - a.split('.').length);
        if (!result.ok) {
          if ('unchecked' in result) outcome.unchecked.push(validation.expression);
          else if (!failOpen) deny(`expression error: ${result.error}`, validation.expression, paths);
          continue;
        }
        if (result.value === true) continue;
        let message = validation.message ?? `failed expression: ${validation.expression}`;
        if (validation.messageExpression !== undefined) {
          const custom = evaluate(validation.messageExpression);
          if (custom.ok && typeof custom.value === 'string' && custom.value.trim() !== '')
            message = custom.value;
        }
        deny(message, validation.expression, paths);
      }
    }
  }
  return outcomes;
}

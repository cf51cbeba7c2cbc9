import { describe, expect, it } from 'vitest';
import { evaluatePolicies, resourceOfKind, selectorMatches, type Target } from './admission-policy.ts';
import { rewriteHas } from './cel-admission.ts';
import { policiesFromParsed, readPolicyPaths } from './policy-sources.ts';
import { parseYaml } from './source.ts';

// The example policies of deploy/policies/, evaluated from their YAML: no TypeScript copy.
const examples = readPolicyPaths(['deploy/policies']);
const ANALYSIS_BEFORE_FULL = 'bellwether-canary-analysis-before-full';
const MAX_STEP_WEIGHT = 'bellwether-canary-max-step-weight';

function rollout(steps: unknown[], background = false): Target['object'] {
  const analysis = { templates: [{ templateName: 't' }] };
  return {
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'r', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'r' } },
      template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'r', image: 'r' }] } },
      strategy: { canary: { steps, ...(background ? { analysis } : {}) } },
    },
  };
}

const analysis = { analysis: { templates: [{ templateName: 't' }] } };
const failed = (object: Target['object']) =>
  evaluatePolicies(examples.set, { object })
    .filter((o) => o.violations.length > 0)
    .map((o) => `${o.policy} ${o.violations.map((v) => `${v.paths[0] ?? ''}: ${v.message}`).join('; ')}`);

describe('the example policies, from deploy/policies', () => {
  it('load without problems', () => {
    expect(examples.problems).toEqual([]);
    expect(examples.set.policies.map((p) => p.name).sort()).toEqual([ANALYSIS_BEFORE_FULL, MAX_STEP_WEIGHT]);
  });

  it('require an analysis before the first setWeight 100, or before the end', () => {
    const message = `${ANALYSIS_BEFORE_FULL} spec.strategy.canary.steps: canary must have an analysis before 100%`;
    expect(failed(rollout([{ setWeight: 20 }, { setWeight: 60 }, { setWeight: 100 }, analysis]))).toEqual([
      message,
    ]);
    expect(failed(rollout([{ setWeight: 20 }, { pause: {} }]))).toEqual([message]);
    expect(failed(rollout([{ setWeight: 20 }, analysis, { setWeight: 60 }, { setWeight: 100 }]))).toEqual([]);
    expect(failed(rollout([{ setWeight: 50 }, { setWeight: 100 }], true))).toEqual([]);
    expect(failed(rollout([]))).toEqual([]);
  });

  it('limit each setWeight increase to 50 points', () => {
    const message = `${MAX_STEP_WEIGHT} spec.strategy.canary.steps: a setWeight step must not raise the canary weight by more than 50 points`;
    expect(failed(rollout([analysis, { setWeight: 60 }]))).toEqual([message]);
    expect(failed(rollout([analysis, { setWeight: 50 }, { setWeight: 10 }, { setWeight: 61 }]))).toEqual([
      message,
    ]);
    expect(failed(rollout([analysis, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }]))).toEqual([]);
  });

  it('do not apply to other kinds', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    expect(evaluatePolicies(examples.set, { object: configMap })).toEqual([]);
  });
});

const policy = (validation: string, extra = '') => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: p
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: ['apps']
        apiVersions: ['v1']
        operations: ['CREATE', 'UPDATE']
        resources: ['deployments']
${extra}  validations:
${validation}`;

const binding = (extra = '') => `---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: p-binding
spec:
  policyName: p
  validationActions: [Deny]
${extra}`;

const deployment = (replicas: number, labels: Record<string, string> = {}): Target['object'] => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels },
  spec: { replicas },
});

function outcomes(yaml: string, object: Target['object'], namespaceLabels?: Record<string, string>) {
  const { set, problems } = policiesFromParsed([parseYaml('policy.yaml', yaml)]);
  expect(problems).toEqual([]);
  return evaluatePolicies(set, { object, ...(namespaceLabels ? { namespaceLabels } : {}) }).flatMap((o) =>
    o.violations.map((v) => v.message),
  );
}

describe('ValidatingAdmissionPolicy semantics', () => {
  const limit = `    - expression: object.spec.replicas <= 5
      messageExpression: "'replicas must be at most 5, not ' + string(object.spec.replicas)"
`;

  it('evaluates messageExpression, and message when it is absent', () => {
    expect(outcomes(policy(limit) + binding(), deployment(7))).toEqual(['replicas must be at most 5, not 7']);
    expect(outcomes(policy(limit) + binding(), deployment(3))).toEqual([]);
    const plain = '    - expression: object.spec.replicas <= 5\n';
    expect(outcomes(policy(plain) + binding(), deployment(7))).toEqual([
      'failed expression: object.spec.replicas <= 5',
    ]);
  });

  it('takes the limit from the params a paramRef names', () => {
    const withParams =
      policy(
        `    - expression: object.spec.replicas <= int(params.data.maxReplicas)
      message: too many replicas
`,
        '  paramKind:\n    apiVersion: v1\n    kind: ConfigMap\n',
      ) +
      binding('  paramRef:\n    name: limits\n    parameterNotFoundAction: Deny\n') +
      `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: limits
  namespace: shop
data:
  maxReplicas: "4"
`;
    expect(outcomes(withParams, deployment(5))).toEqual(['too many replicas']);
    expect(outcomes(withParams, deployment(4))).toEqual([]);
    const noParams = withParams.replace('name: limits\n  namespace', 'name: other\n  namespace');
    expect(outcomes(noParams, deployment(1))).toEqual([
      'params not found: ConfigMap shop/limits (paramRef of binding p-binding)',
    ]);
  });

  it('honours the binding namespace selector, object selector and matchConditions', () => {
    const narrowed = binding(
      '  matchResources:\n    namespaceSelector:\n      matchLabels:\n        team: a\n',
    );
    expect(outcomes(policy(limit) + narrowed, deployment(9), { team: 'b' })).toEqual([]);
    expect(outcomes(policy(limit) + narrowed, deployment(9), { team: 'a' })).toHaveLength(1);
    const conditioned = policy(
      limit,
      "  matchConditions:\n    - name: only-prod\n      expression: \"has(object.metadata.labels) && 'env' in object.metadata.labels && object.metadata.labels['env'] == 'prod'\"\n",
    );
    expect(outcomes(conditioned + binding(), deployment(9, { env: 'dev' }))).toEqual([]);
    expect(outcomes(conditioned + binding(), deployment(9, { env: 'prod' }))).toHaveLength(1);
  });

  it('reports an expression that does not compile at its line', () => {
    const { problems } = policiesFromParsed([
      parseYaml('policy.yaml', policy('    - expression: object.spec.(\n') + binding()),
    ]);
    expect(problems.map((p) => `${p.line} ${p.path}`)).toEqual(['13 spec.validations[0].expression']);
  });
});

describe('helpers', () => {
  it('rewrites has() over an index, keeps plain field chains', () => {
    expect(rewriteHas('has(a.b.c) && has(xs[i].f)')).toBe("has(a.b.c) && ('f' in (xs[i]))");
    expect(rewriteHas("has(m['k'].v)")).toBe("('v' in (m['k']))");
  });

  it('derives resources and matches selectors like the API server', () => {
    expect(['Rollout', 'Ingress', 'NetworkPolicy', 'Gateway', 'Class'].map(resourceOfKind)).toEqual([
      'rollouts',
      'ingresses',
      'networkpolicies',
      'gateways',
      'classes',
    ]);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, { a: '1' }),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '1' })).toBe(
      false,
    );
  });
});

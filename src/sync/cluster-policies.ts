/**
 * The admission policies installed in the cluster, for the sync to evaluate before applying (so a
 * refusal names the file, line and field, which the API server's dry run cannot), and the labels
 * of the namespaces their selectors look at. Params are read by the name a binding's paramRef
 * gives. Failing reads leave the set smaller: the dry run still goes through real admission.
 */
import type { ParamObject, PolicySet } from '../lint/admission-policy.ts';
import { KubeApiError, type KubeObject, type KubeRest } from './kube-rest.ts';

const BASE = '/apis/admissionregistration.k8s.io/v1';

async function list(rest: KubeRest, plural: string): Promise<KubeObject[]> {
  try {
    return (await rest.request<{ items: KubeObject[] }>('GET', `${BASE}/${plural}`)).items;
  } catch (err) {
    if (err instanceof KubeApiError && (err.code === 403 || err.code === 404)) return [];
    throw err;
  }
}

const cluster = { file: 'cluster', line: 0 };

export async function clusterPolicies(rest: KubeRest): Promise<PolicySet> {
  const policies = (await list(rest, 'validatingadmissionpolicies')).map((p) => ({
    name: p.metadata.name,
    spec: (p.spec ?? {}) as Record<string, unknown>,
    source: { ...cluster, file: `cluster: ValidatingAdmissionPolicy ${p.metadata.name}` },
  }));
  const bindings = (await list(rest, 'validatingadmissionpolicybindings')).map((b) => ({
    name: b.metadata.name,
    spec: (b.spec ?? {}) as Record<string, unknown>,
    source: { ...cluster, file: `cluster: ValidatingAdmissionPolicyBinding ${b.metadata.name}` },
  }));
  const params: ParamObject[] = [];
  for (const binding of bindings) {
    const policy = policies.find((p) => p.name === binding.spec.policyName);
    const kind = policy?.spec.paramKind as { apiVersion?: string; kind?: string } | undefined;
    const ref = binding.spec.paramRef as { name?: string; namespace?: string } | undefined;
    if (!kind?.apiVersion || !kind.kind || !ref?.name) continue;
    const found = await rest
      .get({
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
      })
      .catch(() => undefined);
    if (found) params.push(found);
  }
  return { policies, bindings, params };
}

/** Labels of each namespace that exists (and can be read); others are left out. */
export async function namespaceLabels(
  rest: KubeRest,
  namespaces: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const labels = new Map<string, Record<string, string>>();
  for (const name of new Set(namespaces)) {
    const found = await rest.get({ apiVersion: 'v1', kind: 'Namespace', name }).catch(() => undefined);
    if (found) labels.set(name, found.metadata.labels ?? { 'kubernetes.io/metadata.name': name });
  }
  return labels;
}

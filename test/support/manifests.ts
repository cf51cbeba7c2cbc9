import type { KubernetesObject } from '@kubernetes/client-node';
import { readManifests } from '../../src/install/apply.ts';

/**
 * The canary Rollout YAML that the Git end-to-end tests commit, written once: a single-container
 * `web` app whose tests vary only the image, the size, the namespace, a few spec fields and the
 * steps. Kept as text (not an object) because the tests point at lines of the committed file.
 */
export interface CanaryRolloutYaml {
  replicas: number;
  /** `steps:` entries, each line already indented by 8 spaces, ending in a newline. */
  steps: string;
  image?: string;
  namespace?: string;
  /** Lines under `spec:` before `selector:`, indented by 2 spaces (e.g. rollbackWindow). */
  specLines?: string[];
  /** Lines under `canary:` before `steps:`, indented by 6 spaces (e.g. scaleDownDelaySeconds). */
  canaryLines?: string[];
}

export function canaryRolloutYaml(o: CanaryRolloutYaml): string {
  const lines = (xs: string[] | undefined) => (xs ?? []).map((l) => `${l}\n`).join('');
  return `apiVersion: bellwether.dev/v1alpha1
kind: Rollout
metadata:
  name: web
${o.namespace ? `  namespace: ${o.namespace}\n` : ''}spec:
  replicas: ${String(o.replicas)}
${lines(o.specLines)}  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ${o.image ?? 'web:1'}
  strategy:
    canary:
${lines(o.canaryLines)}      steps:
${o.steps}`;
}

/**
 * The example admission policies in `deploy/policies`, with each binding narrowed to one
 * namespace: as shipped they match every namespace, and other test files share the API server.
 */
export function policiesBoundTo(namespace: string): KubernetesObject[] {
  return readManifests('deploy/policies').map((obj) =>
    obj.kind === 'ValidatingAdmissionPolicyBinding'
      ? ({
          ...obj,
          spec: {
            ...(obj as { spec: object }).spec,
            matchResources: {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
            },
          },
        } as KubernetesObject)
      : obj,
  );
}

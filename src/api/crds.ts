/**
 * The CustomResourceDefinitions of bellwether.dev/v1alpha1, built from the zod schemas.
 * Pure: `generate-crds.ts` writes them to `crds/`, a test checks the files are current.
 */
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { z } from 'zod';
import { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate } from './analysis.ts';
import { packageRoot } from '../package-root.ts';
import { API_GROUP, API_VERSION_NAME } from './common.ts';
import { Experiment } from './experiment.ts';
import { GitSource } from './gitsource.ts';
import { Rollout } from './rollout.ts';
import { ClusterRolloutGroup, RolloutGroup } from './rollout-group.ts';
import { toCrdSchema, type CrdSchema } from './to-crd.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: {
        status: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: CrdSchema };
    }[];
  };
}

interface KindDefinition {
  kind: string;
  plural: string;
  shortName: string;
  scope: 'Namespaced' | 'Cluster';
  schema: z.ZodType;
  description: string;
  columns: PrinterColumn[];
  scale?: boolean;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const TEMPLATE_COLUMNS: PrinterColumn[] = [AGE];

const KINDS: readonly KindDefinition[] = [
  {
    kind: 'Rollout',
    plural: 'rollouts',
    shortName: 'ro',
    scope: 'Namespaced',
    schema: Rollout,
    description:
      'A Rollout runs pods like a Deployment and updates them by a rolling, canary, blue-green or A/B strategy.',
    scale: true,
    columns: [
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired pods' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'Total pods' },
      {
        name: 'Up-to-date',
        type: 'integer',
        jsonPath: '.status.updatedReplicas',
        description: 'Pods of the desired version',
      },
      {
        name: 'Available',
        type: 'integer',
        jsonPath: '.status.availableReplicas',
        description: 'Available pods',
      },
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Healthy, Progressing, Paused or Degraded',
      },
      {
        name: 'Step',
        type: 'integer',
        jsonPath: '.status.currentStepIndex',
        description: 'Current canary step',
      },
      {
        name: 'Weight',
        type: 'integer',
        jsonPath: '.status.canary.weights.canary',
        description: 'Canary traffic weight',
      },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'AnalysisTemplate',
    plural: 'analysistemplates',
    shortName: 'at',
    scope: 'Namespaced',
    schema: AnalysisTemplate,
    description:
      'An AnalysisTemplate defines metrics and the conditions that judge them; Rollouts run it as an AnalysisRun.',
    columns: TEMPLATE_COLUMNS,
  },
  {
    kind: 'ClusterAnalysisTemplate',
    plural: 'clusteranalysistemplates',
    shortName: 'cat',
    scope: 'Cluster',
    schema: ClusterAnalysisTemplate,
    description: 'A cluster-wide AnalysisTemplate, usable from every namespace (clusterScope: true).',
    columns: TEMPLATE_COLUMNS,
  },
  {
    kind: 'AnalysisRun',
    plural: 'analysisruns',
    shortName: 'ar',
    scope: 'Namespaced',
    schema: AnalysisRun,
    description:
      'An AnalysisRun takes measurements of its metrics and ends Successful, Failed, Error or Inconclusive.',
    columns: [
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Pending, Running, Successful, Failed, Error or Inconclusive',
      },
      {
        name: 'Metrics',
        type: 'integer',
        jsonPath: '.status.runSummary.count',
        description: 'Number of metrics',
      },
      { name: 'Successful', type: 'integer', jsonPath: '.status.runSummary.successful', priority: 1 },
      { name: 'Failed', type: 'integer', jsonPath: '.status.runSummary.failed', priority: 1 },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'GitSource',
    plural: 'gitsources',
    shortName: 'gs',
    scope: 'Namespaced',
    schema: GitSource,
    description:
      'A GitSource is one branch and path of a Git repository that the sync controller applies to the cluster, commit by commit.',
    columns: [
      { name: 'URL', type: 'string', jsonPath: '.spec.url', priority: 1 },
      { name: 'Branch', type: 'string', jsonPath: '.spec.branch' },
      {
        name: 'Commit',
        type: 'string',
        jsonPath: '.status.lastAppliedCommit.shortSha',
        description: 'The commit in the cluster',
      },
      {
        name: 'State',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Synced, Progressing, Aborted, Invalid or Failed',
      },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'RolloutGroup',
    plural: 'rolloutgroups',
    shortName: 'rog',
    scope: 'Namespaced',
    schema: RolloutGroup,
    description:
      'A RolloutGroup releases several Rollouts together: in stages, in lockstep, or at most N at a time.',
    columns: [
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Healthy, Progressing or Degraded',
      },
      {
        name: 'Stages',
        type: 'string',
        jsonPath: '.status.currentStages',
        description: 'Stages in progress',
      },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'Experiment',
    plural: 'experiments',
    shortName: 'exp',
    scope: 'Namespaced',
    schema: Experiment,
    description:
      'An Experiment runs ReplicaSets side by side for a duration while AnalysisRuns judge them (canary experiment steps create one).',
    columns: [
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Pending, Running, Successful, Failed, Error or Inconclusive',
      },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'ClusterRolloutGroup',
    plural: 'clusterrolloutgroups',
    shortName: 'crog',
    scope: 'Cluster',
    schema: ClusterRolloutGroup,
    description:
      'A ClusterRolloutGroup caps how many Rollouts are in progress at once across namespaces: in the whole cluster, per namespace, or per label value.',
    columns: [
      { name: 'Max', type: 'integer', jsonPath: '.spec.maxInProgress', description: 'maxInProgress' },
      { name: 'Per', type: 'string', jsonPath: '.spec.per' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Healthy or Progressing' },
      { name: 'Message', type: 'string', jsonPath: '.status.message' },
      AGE,
    ],
  },
];

function buildCrd(definition: KindDefinition): CustomResourceDefinition {
  const openAPIV3Schema: CrdSchema = {
    description: definition.description,
    ...toCrdSchema(definition.schema),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'bellwether' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.kind.toLowerCase(),
        shortNames: [definition.shortName],
        categories: ['bellwether'],
      },
      scope: definition.scope,
      versions: [
        {
          name: API_VERSION_NAME,
          served: true,
          storage: true,
          subresources: {
            status: {},
            ...(definition.scale === true
              ? {
                  scale: {
                    specReplicasPath: '.spec.replicas',
                    statusReplicasPath: '.status.replicas',
                    labelSelectorPath: '.status.selector',
                  },
                }
              : {}),
          },
          additionalPrinterColumns: definition.columns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** All CRDs, in a fixed order (Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, GitSource, RolloutGroup, Experiment, ClusterRolloutGroup). */
export function buildCrds(): CustomResourceDefinition[] {
  return KINDS.map(buildCrd);
}

/** The repository's `crds/` directory, where `npm run crds` writes the files. */
export const CRDS_DIR = join(packageRoot, 'crds');

export const GENERATED_HEADER = '# generated by npm run crds; do not edit\n';

/** File name of a CRD in `crds/`: `<plural>.bellwether.dev.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.metadata.name}.yaml`;
}

function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}

/**
 * The contents of `crds/`: one YAML file per CRD and a kustomization listing them, keyed by file
 * name. Deterministic.
 */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const crds = buildCrds();
  for (const crd of crds) files.set(crdFileName(crd), GENERATED_HEADER + toYaml(crd));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: crds.map(crdFileName).sort(),
  };
  files.set('kustomization.yaml', GENERATED_HEADER + toYaml(kustomization));
  return files;
}

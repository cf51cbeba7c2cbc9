/**
 * The objects an Experiment owns, built from its spec: one ReplicaSet and optionally one Service
 * per template, one AnalysisRun per analysis. Pure.
 */
import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import type { AnalysisRun } from '../../api/analysis.ts';
import type { Experiment, ExperimentTemplate } from '../../api/experiment.ts';
import { podTemplateHash } from '../pod-template-hash.ts';
import { podTemplateHashLabel } from '../../kube/names.ts';
import { runSpecFromTemplates, type TemplateLookup } from '../analysis/analysis-run-from-templates.ts';

export const experimentLabels = {
  experiment: 'bellwether.dev/experiment',
  template: 'bellwether.dev/experiment-template',
  analysis: 'bellwether.dev/experiment-analysis',
} as const;

export type ExperimentObject = Experiment & {
  metadata: Experiment['metadata'] & { name: string; namespace: string; uid: string };
};

export function experimentOwnerReference(experiment: ExperimentObject) {
  return {
    apiVersion: 'bellwether.dev/v1alpha1' as const,
    kind: 'Experiment' as const,
    name: experiment.metadata.name,
    uid: experiment.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The hash of a template's pods: of the experiment, the template name and the pod template. */
export function templateHash(experiment: ExperimentObject, template: ExperimentTemplate): string {
  return podTemplateHash({
    experiment: experiment.metadata.name,
    name: template.name,
    pod: template.template,
  });
}

export const replicaSetName = (experiment: ExperimentObject, template: ExperimentTemplate) =>
  `${experiment.metadata.name}-${template.name}`.slice(0, 253);
export const serviceNameOf = (experiment: ExperimentObject, template: ExperimentTemplate) =>
  template.service?.name ?? `${experiment.metadata.name}-${template.name}`.slice(0, 63);

export function templateReplicaSet(
  experiment: ExperimentObject,
  template: ExperimentTemplate,
  replicas: number,
): V1ReplicaSet {
  const hash = templateHash(experiment, template);
  const own = {
    [podTemplateHashLabel]: hash,
    [experimentLabels.experiment]: experiment.metadata.name,
    [experimentLabels.template]: template.name,
  };
  const pod = template.template as { metadata?: { labels?: Record<string, string> }; spec?: unknown };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: replicaSetName(experiment, template),
      namespace: experiment.metadata.namespace,
      labels: { ...(pod.metadata?.labels ?? {}), ...own },
      ownerReferences: [experimentOwnerReference(experiment)],
    },
    spec: {
      replicas,
      minReadySeconds: template.minReadySeconds ?? 0,
      selector: {
        ...template.selector,
        matchLabels: { ...(template.selector.matchLabels ?? {}), [podTemplateHashLabel]: hash },
      },
      template: {
        ...(template.template as object),
        metadata: { ...(pod.metadata ?? {}), labels: { ...(pod.metadata?.labels ?? {}), ...own } },
      },
    },
  };
}

/** A Service selecting one template's pods, on the ports its containers declare (80 without any). */
export function templateService(experiment: ExperimentObject, template: ExperimentTemplate): V1Service {
  const hash = templateHash(experiment, template);
  const containers =
    (
      template.template as {
        spec?: { containers?: { ports?: { containerPort: number; name?: string; protocol?: string }[] }[] };
      }
    ).spec?.containers ?? [];
  const ports = containers.flatMap((c) => c.ports ?? []);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceNameOf(experiment, template),
      namespace: experiment.metadata.namespace,
      labels: { [experimentLabels.experiment]: experiment.metadata.name },
      ownerReferences: [experimentOwnerReference(experiment)],
    },
    spec: {
      selector: { ...(template.selector.matchLabels ?? {}), [podTemplateHashLabel]: hash },
      ports:
        ports.length === 0
          ? [{ name: 'http', port: 80, targetPort: 80 }]
          : ports.map((p, i) => ({
              name: p.name ?? `port-${i}`,
              port: p.containerPort,
              targetPort: p.containerPort,
              ...(p.protocol === undefined ? {} : { protocol: p.protocol }),
            })),
    },
  };
}

const TEMPLATE_HASH = /\{\{\s*templates\.([A-Za-z0-9_.-]+)\.podTemplateHash\s*\}\}/g;

export const analysisRunName = (experiment: ExperimentObject, analysis: string) =>
  `${experiment.metadata.name}-${analysis}`.slice(0, 253);

/** The AnalysisRun of one analysis; `{{templates.<name>.podTemplateHash}}` in args is resolved. */
export function experimentAnalysisRun(
  experiment: ExperimentObject,
  analysisName: string,
  template: TemplateLookup,
): { ok: true; run: AnalysisRun } | { ok: false; error: string } {
  const analysis = (experiment.spec.analyses ?? []).find((a) => a.name === analysisName);
  if (analysis === undefined) return { ok: false, error: `no analysis "${analysisName}"` };
  const hashes = new Map(experiment.spec.templates.map((t) => [t.name, templateHash(experiment, t)]));
  const callerArgs = [];
  for (const arg of analysis.args ?? []) {
    if (arg.value === undefined) {
      return { ok: false, error: `args[${arg.name}]: only value is supported in experiment analyses` };
    }
    let unknown: string | undefined;
    const value = arg.value.replace(TEMPLATE_HASH, (_all, name: string) => {
      const hash = hashes.get(name);
      if (hash === undefined) unknown = name;
      return hash ?? '';
    });
    if (unknown !== undefined)
      return { ok: false, error: `args[${arg.name}]: no template named "${unknown}"` };
    callerArgs.push({ name: arg.name, value });
  }
  // Templates that include templates (spec.templates) contribute those, as for a Rollout's runs.
  const merged = runSpecFromTemplates(
    [{ templateName: analysis.templateName, clusterScope: analysis.clusterScope === true }],
    template,
    callerArgs,
  );
  if (!merged.ok) return { ok: false, error: `analysis "${analysisName}": ${merged.error}` };
  const { specs, metrics, args } = merged;
  const dryRun = [...specs.flatMap((s) => s.dryRun ?? []), ...(experiment.spec.dryRun ?? [])];
  const retention = [
    ...specs.flatMap((s) => s.measurementRetention ?? []),
    ...(experiment.spec.measurementRetention ?? []),
  ];
  return {
    ok: true,
    run: {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'AnalysisRun',
      metadata: {
        name: analysisRunName(experiment, analysisName),
        namespace: experiment.metadata.namespace,
        labels: {
          [experimentLabels.experiment]: experiment.metadata.name,
          [experimentLabels.analysis]: analysisName,
        },
        ownerReferences: [experimentOwnerReference(experiment)],
      },
      spec: {
        metrics,
        ...(args.length > 0 ? { args } : {}),
        ...(dryRun.length > 0 ? { dryRun } : {}),
        ...(retention.length > 0 ? { measurementRetention: retention } : {}),
      },
    },
  };
}

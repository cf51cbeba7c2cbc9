/**
 * The Experiment kind (bellwether.dev/v1alpha1), as Argo Rollouts' Experiment: ReplicaSets run
 * side by side for a duration (each with an optional Service) while AnalysisRuns judge them.
 * A canary `experiment` step creates one, owned by the Rollout, and passes only when it succeeds.
 */
import { z } from 'zod';
import { AnalysisPhase, DryRun, MeasurementRetention } from './analysis.ts';
import {
  API_VERSION,
  Condition,
  LIMITS,
  LabelSelector,
  ObjectMeta,
  PodTemplate,
  durationString,
  listOf,
  nonNegativeInt,
  objectName,
  serviceName,
  shortString,
  timestamp,
  uniqueListOf,
} from './common.ts';
import { AnalysisRunArgument, OutboxEntry } from './rollout.ts';

export const ExperimentTemplate = z
  .strictObject({
    name: shortString().describe('Name of the template, unique within the experiment.'),
    replicas: nonNegativeInt().optional().describe('Pods to run (default 1).'),
    minReadySeconds: nonNegativeInt()
      .optional()
      .describe('Seconds a new pod must be ready before it counts as available (default 0).'),
    selector: LabelSelector.describe('Selects the pods of this template; must match the template labels.'),
    template: PodTemplate.describe('The pod template.'),
    service: z
      .strictObject({
        name: serviceName().optional().describe('Service name (default: <experiment>-<template>).'),
      })
      .optional()
      .describe('Create a Service selecting this template’s pods.'),
  })
  .describe('A ReplicaSet the experiment runs.');
export type ExperimentTemplate = z.infer<typeof ExperimentTemplate>;

export const ExperimentAnalysis = z
  .strictObject({
    name: shortString().describe('Name of the analysis within the experiment.'),
    templateName: objectName().describe('AnalysisTemplate (or ClusterAnalysisTemplate) to run.'),
    clusterScope: z.boolean().optional().describe('Refer to a ClusterAnalysisTemplate.'),
    args: listOf(AnalysisRunArgument, LIMITS.args)
      .optional()
      .describe(
        'Arguments for the template; a value may use {{templates.<name>.podTemplateHash}} (the hash of a template’s pods).',
      ),
    requiredForCompletion: z
      .boolean()
      .optional()
      .describe(
        'The experiment completes only when this analysis completes (it then may run past duration).',
      ),
  })
  .describe('An analysis run while the experiment runs.');
export type ExperimentAnalysis = z.infer<typeof ExperimentAnalysis>;

export const ExperimentSpec = z
  .strictObject({
    duration: durationString()
      .optional()
      .describe(
        'How long the experiment runs once every template is available (default: until its analyses end).',
      ),
    progressDeadlineSeconds: z
      .int32()
      .min(1)
      .optional()
      .describe('Seconds for every template to become available before the experiment fails (default 600).'),
    terminate: z
      .boolean()
      .optional()
      .describe('Set true to stop the experiment early (Successful if nothing failed).'),
    scaleDownDelaySeconds: nonNegativeInt()
      .optional()
      .describe('Keep the ReplicaSets this long after the experiment ends (default 30).'),
    templates: uniqueListOf(ExperimentTemplate, 'name', LIMITS.templates, 'template names')
      .min(1)
      .describe('ReplicaSets to run.'),
    analyses: uniqueListOf(ExperimentAnalysis, 'name', LIMITS.templates, 'analysis names')
      .optional()
      .describe('Analyses to run; a failed one fails the experiment.'),
    dryRun: listOf(DryRun, LIMITS.metrics).optional().describe('Metrics evaluated in dry-run mode.'),
    measurementRetention: listOf(MeasurementRetention, LIMITS.metrics)
      .optional()
      .describe('Measurements kept per metric.'),
  })
  .describe('The desired state of an Experiment.');
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;

export const ExperimentPhase = AnalysisPhase;
export type ExperimentPhase = z.infer<typeof ExperimentPhase>;

export const ExperimentStatus = z
  .object({
    phase: ExperimentPhase.optional().describe(
      'Pending, Running, Successful, Failed, Error or Inconclusive.',
    ),
    message: z.string().optional().describe('Why the experiment is in this phase.'),
    availableAt: timestamp()
      .optional()
      .describe('When every template became available (duration counts from here).'),
    finishedAt: timestamp().optional().describe('When the experiment completed.'),
    templateStatuses: z
      .array(
        z.object({
          name: z.string(),
          podTemplateHash: z.string().optional(),
          replicas: z.int32().optional(),
          availableReplicas: z.int32().optional(),
          serviceName: z.string().optional(),
          status: z.string().optional().describe('Progressing, Running, Successful, Failed or Error.'),
        }),
      )
      .optional()
      .describe('Per template: its ReplicaSet and Service.'),
    analysisRuns: z
      .array(
        z.object({
          name: z.string().describe('Analysis name in the spec.'),
          analysisRun: z.string().describe('AnalysisRun name.'),
          phase: AnalysisPhase,
          message: z.string().optional(),
        }),
      )
      .optional()
      .describe('Per analysis: its AnalysisRun and phase.'),
    conditions: z.array(Condition).optional().describe('InvalidSpec when the experiment cannot be run.'),
    observedGeneration: z.int().optional(),
    outbox: z
      .array(OutboxEntry)
      .optional()
      .describe(
        'Events of accepted status writes not yet recorded (each becomes one Event, then leaves), as a Rollout’s.',
      ),
  })
  .describe('The observed state of an Experiment, written by the controller.');
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;

export const Experiment = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Experiment'),
  metadata: ObjectMeta,
  spec: ExperimentSpec,
  status: ExperimentStatus.optional(),
});
export type Experiment = z.infer<typeof Experiment>;

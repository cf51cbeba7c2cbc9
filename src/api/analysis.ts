/**
 * AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun (bellwether.dev/v1alpha1), with the
 * field names of Argo Rollouts. Metric providers: prometheus, web, job and (Bellwether) comparison.
 */
import { z } from 'zod';
import {
  API_VERSION,
  Condition,
  FieldRef,
  LIMITS,
  ObjectMeta,
  PodMetadata,
  PRESERVE_UNKNOWN,
  SecretKeyRef,
  atLeastOneOf,
  atMostOneOf,
  exactlyOneOf,
  intOrString,
  listOf,
  nonNegativeInt,
  shortString,
  templatedDurationString,
  timestamp,
  uniqueListOf,
  withCel,
} from './common.ts';

/** Phase of an AnalysisRun, of one metric, and of one measurement. */
export const AnalysisPhase = z.enum(['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive']);
export type AnalysisPhase = z.infer<typeof AnalysisPhase>;

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

export const ArgumentValueFrom = withCel(
  z
    .strictObject({
      secretKeyRef: SecretKeyRef.optional().describe('Read the value from a key of a Secret.'),
      fieldRef: FieldRef.optional().describe('Read the value from a field of the owning object.'),
    })
    .describe('Where the value comes from when it is not given literally.'),
  [exactlyOneOf(['secretKeyRef', 'fieldRef'])],
);
export type ArgumentValueFrom = z.infer<typeof ArgumentValueFrom>;

export const Argument = withCel(
  z
    .strictObject({
      name: shortString().describe('Argument name; metrics refer to it as {{args.<name>}}.'),
      value: z
        .string()
        .optional()
        .describe(
          'Literal value. In a template it is the default; leave unset to require the caller to pass it.',
        ),
      valueFrom: ArgumentValueFrom.optional(),
    })
    .describe('A template argument.'),
  [atMostOneOf(['value', 'valueFrom'])],
);
export type Argument = z.infer<typeof Argument>;

// ---------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------

export const Header = z.strictObject({
  key: z.string().min(1).max(LIMITS.shortString).describe('Header name.'),
  value: z.string().describe('Header value; may use {{args.<name>}}.'),
});
export type Header = z.infer<typeof Header>;

export const Sigv4Config = z
  .strictObject({
    region: z
      .string()
      .max(LIMITS.name)
      .optional()
      .describe('AWS region of the workspace (default: AWS_REGION of the controller).'),
    profile: z
      .string()
      .max(LIMITS.name)
      .optional()
      .describe('Profile of the shared AWS config and credentials files.'),
    roleArn: z
      .string()
      .max(2048)
      .optional()
      .describe('Role to assume (STS AssumeRole) with the controller credentials before signing.'),
  })
  .describe(
    'Sign requests with AWS Signature Version 4 (Amazon Managed Service for Prometheus), with credentials from the AWS default chain of the controller.',
  );
export type Sigv4Config = z.infer<typeof Sigv4Config>;

export const OAuth2Config = z
  .strictObject({
    tokenUrl: z.string().min(1).describe('Token endpoint of the authorization server.'),
    clientId: z
      .string()
      .min(1)
      .max(LIMITS.shortString)
      .describe('OAuth2 client id; may use {{args.<name>}}.'),
    clientSecret: z
      .string()
      .min(1)
      .describe('OAuth2 client secret; pass it as an argument read from a Secret: {{args.<name>}}.'),
    scopes: listOf(z.string().min(1).max(LIMITS.shortString), LIMITS.args)
      .optional()
      .describe('Scopes to request.'),
  })
  .describe('OAuth2 client credentials grant: a bearer token from tokenUrl, sent as Authorization: Bearer.');
export type OAuth2Config = z.infer<typeof OAuth2Config>;

export const PrometheusAuthentication = withCel(
  z
    .strictObject({
      bearer: z
        .strictObject({
          secretKeyRef: SecretKeyRef.describe('Secret key holding the bearer token.'),
        })
        .optional()
        .describe('Bellwether: send Authorization: Bearer <token>.'),
      basic: z
        .strictObject({
          username: z.string().min(1).max(LIMITS.shortString).describe('User name.'),
          passwordSecretKeyRef: SecretKeyRef.describe('Secret key holding the password.'),
        })
        .optional()
        .describe('Bellwether: send HTTP basic authentication.'),
      sigv4: Sigv4Config.optional(),
      oauth2: OAuth2Config.optional(),
    })
    .describe('How to authenticate to Prometheus. Set at most one method.'),
  [atMostOneOf(['bearer', 'basic', 'sigv4', 'oauth2'])],
);
export type PrometheusAuthentication = z.infer<typeof PrometheusAuthentication>;

export const PrometheusRangeQuery = z
  .strictObject({
    start: z
      .string()
      .min(1)
      .describe('Start of the range, an expression such as "now() - duration(\'5m\')".'),
    end: z.string().min(1).describe('End of the range, e.g. "now()".'),
    step: z.string().min(1).describe('Resolution step, e.g. 1m.'),
  })
  .describe('Run the query as a range query; the result is a list of values.');
export type PrometheusRangeQuery = z.infer<typeof PrometheusRangeQuery>;

export const PrometheusMetric = z
  .strictObject({
    address: z
      .string()
      .min(1)
      .describe('Base URL of the Prometheus server, e.g. http://prometheus.monitoring:9090.'),
    query: z.string().min(1).describe('PromQL query; may use {{args.<name>}}.'),
    timeout: nonNegativeInt().optional().describe('Query timeout in seconds.'),
    headers: listOf(Header, LIMITS.headers).optional().describe('Extra HTTP headers.'),
    authentication: PrometheusAuthentication.optional(),
    rangeQuery: PrometheusRangeQuery.optional(),
    insecure: z.boolean().optional().describe('Skip TLS certificate verification.'),
  })
  .describe('Query Prometheus (instant query unless rangeQuery is set).');
export type PrometheusMetric = z.infer<typeof PrometheusMetric>;

export const WebAuthentication = z
  .strictObject({
    oauth2: OAuth2Config.optional(),
  })
  .describe('How to authenticate to the endpoint (Argo Rollouts: oauth2).');
export type WebAuthentication = z.infer<typeof WebAuthentication>;

export const WebMetric = withCel(
  z
    .strictObject({
      url: z.string().min(1).describe('URL to call; may use {{args.<name>}}.'),
      method: z.enum(['GET', 'POST', 'PUT']).optional().describe('HTTP method (default GET).'),
      headers: listOf(Header, LIMITS.headers).optional().describe('HTTP headers.'),
      body: z.string().optional().describe('Request body for POST and PUT.'),
      jsonBody: z
        .looseObject({})
        .meta({ [PRESERVE_UNKNOWN]: true })
        .optional()
        .describe('Request body as a JSON object (POST and PUT; instead of body); sent as application/json.'),
      jsonPath: z
        .string()
        .optional()
        .describe('JSONPath into the response whose value becomes the result, e.g. {$.data.ok}.'),
      timeoutSeconds: nonNegativeInt().optional().describe('Request timeout in seconds (default 10).'),
      insecure: z.boolean().optional().describe('Skip TLS certificate verification.'),
      authentication: WebAuthentication.optional(),
    })
    .describe('Call an HTTP endpoint and read the result from its JSON response.'),
  [atMostOneOf(['body', 'jsonBody'])],
);
export type WebMetric = z.infer<typeof WebMetric>;

export const JobMetric = z
  .strictObject({
    metadata: PodMetadata.optional().describe('Labels and annotations for the Job.'),
    spec: z
      .looseObject({})
      .meta({ [PRESERVE_UNKNOWN]: true })
      .describe('A batch/v1 JobSpec, validated by the API server when the Job is created.'),
  })
  .describe('Run a Job: success if it completes, failure if it fails.');
export type JobMetric = z.infer<typeof JobMetric>;

export const ComparisonVariantQueries = z
  .strictObject({
    successes: z
      .string()
      .min(1)
      .describe('PromQL giving one number: the successes of this variant, e.g. its conversions.'),
    trials: z
      .string()
      .min(1)
      .describe('PromQL giving one number: the trials of this variant, e.g. its checkouts.'),
  })
  .describe('Queries for one variant; may use {{args.<name>}}, e.g. a pod template hash.');
export type ComparisonVariantQueries = z.infer<typeof ComparisonVariantQueries>;

export const ComparisonMetric = z
  .strictObject({
    test: z
      .enum(['twoProportionZ'])
      .optional()
      .describe('The two-sample test: twoProportionZ, a two-sided two-proportion z-test (default).'),
    address: z.string().min(1).describe('Base URL of the Prometheus server the queries run against.'),
    timeout: nonNegativeInt().optional().describe('Timeout of each query in seconds (default 30).'),
    headers: listOf(Header, LIMITS.headers).optional().describe('Extra HTTP headers.'),
    insecure: z.boolean().optional().describe('Skip TLS certificate verification.'),
    a: ComparisonVariantQueries.describe('Variant A (control): its successes and trials.'),
    b: ComparisonVariantQueries.describe('Variant B (candidate): its successes and trials.'),
    alpha: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe('Significance level: a p-value below it is a significant difference (default 0.05).'),
    minSamples: nonNegativeInt()
      .optional()
      .describe('Trials each variant needs before a verdict other than notEnoughSamples (default 100).'),
    better: z
      .enum(['higher', 'lower'])
      .optional()
      .describe('higher: a higher rate is better, e.g. conversion (default); lower: e.g. error rate.'),
  })
  .describe(
    'Bellwether addition: compare variant B with variant A by a two-sample test; result has verdict ' +
      '(better, worse, noDifference, notEnoughSamples), pValue, z, effect, a and b (docs/ab-testing.md).',
  );
export type ComparisonMetric = z.infer<typeof ComparisonMetric>;

export const JudgeMetricQueries = z
  .strictObject({
    name: shortString().describe('Name of the compared metric, e.g. latency.'),
    baseline: z
      .string()
      .min(1)
      .describe(
        'PromQL giving the baseline samples: a vector (one value per series) or a range vector or ' +
          'subquery such as `(...)[2m:5s]` (every value of every series).',
      ),
    canary: z.string().min(1).describe('PromQL giving the canary samples, in the same shape.'),
    failOn: z
      .enum(['increase', 'decrease', 'either'])
      .optional()
      .describe('Which change fails the metric: increase (default, e.g. latency), decrease, or either.'),
  })
  .describe('One metric the judge compares; queries may use {{args.<name>}}, e.g. a pod template hash.');
export type JudgeMetricQueries = z.infer<typeof JudgeMetricQueries>;

export const JudgeMetric = withCel(
  z
    .strictObject({
      address: z.string().min(1).describe('Base URL of the Prometheus server the queries run against.'),
      timeout: nonNegativeInt().optional().describe('Timeout of each query in seconds (default 30).'),
      headers: listOf(Header, LIMITS.headers).optional().describe('Extra HTTP headers.'),
      insecure: z.boolean().optional().describe('Skip TLS certificate verification.'),
      metrics: listOf(JudgeMetricQueries, LIMITS.metrics).min(1).describe('The metrics compared.'),
      alpha: z
        .number()
        .gt(0)
        .lt(1)
        .optional()
        .describe('Significance level of the Mann-Whitney U test (default 0.05).'),
      tolerance: z
        .number()
        .min(0)
        .optional()
        .describe(
          'Relative effect size below which a significant shift still passes, as a fraction of the ' +
            'baseline median (default 0.25, as Kayenta).',
        ),
      minSamples: nonNegativeInt()
        .optional()
        .describe('Values each sample needs; fewer is NoData, which never passes (default 10).'),
      scoreThresholds: z
        .strictObject({
          pass: z
            .number()
            .min(0)
            .max(100)
            .describe('Score at or above which the canary passes (default 95).'),
          marginal: z
            .number()
            .min(0)
            .max(100)
            .describe('Score below which the canary fails; in between is marginal (default 75).'),
        })
        .optional()
        .describe('Verdict thresholds on the 0-100 score.'),
    })
    .describe(
      'Bellwether addition: the canary-vs-baseline judge (Kayenta-style). Each metric is compared by a ' +
        'Mann-Whitney U test (Pass, High, Low, NoData); the score is the share of passing metrics; result ' +
        'has score, verdict (pass, marginal, fail) and metrics (docs/experiments.md).',
    ),
  [
    {
      rule: '!has(self.scoreThresholds) || self.scoreThresholds.marginal <= self.scoreThresholds.pass',
      message: 'scoreThresholds.marginal must not exceed scoreThresholds.pass',
      fieldPath: '.scoreThresholds.marginal',
      holds: (self) =>
        self.scoreThresholds === undefined || self.scoreThresholds.marginal <= self.scoreThresholds.pass,
    },
  ],
);
export type JudgeMetric = z.infer<typeof JudgeMetric>;

export const MetricProvider = withCel(
  z
    .strictObject({
      prometheus: PrometheusMetric.optional(),
      web: WebMetric.optional(),
      job: JobMetric.optional(),
      comparison: ComparisonMetric.optional(),
      judge: JudgeMetric.optional(),
    })
    .describe('Where measurements come from. Set exactly one provider.'),
  [exactlyOneOf(['prometheus', 'web', 'job', 'comparison', 'judge'], 'one provider per metric')],
);
export type MetricProvider = z.infer<typeof MetricProvider>;

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

/** An int-or-string limit given as an integer must be at least `min` (a string is checked once resolved). */
function intLimitRule(
  field: 'count' | 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit' | 'consecutiveSuccessLimit',
  min: number,
) {
  return {
    rule: `!has(self.${field}) || type(self.${field}) != int || self.${field} >= ${min}`,
    message: `${field} must be at least ${min}`,
    fieldPath: `.${field}`,
    holds: (self: Record<string, unknown>) => typeof self[field] !== 'number' || self[field] >= min,
  };
}

export const Metric = withCel(
  z
    .strictObject({
      name: shortString().describe('Metric name, unique within the template.'),
      interval: templatedDurationString()
        .optional()
        .describe('Time between measurements, e.g. 1m. Required when count is more than 1.'),
      initialDelay: templatedDurationString()
        .optional()
        .describe('Wait this long before the first measurement.'),
      count: intOrString()
        .optional()
        .describe(
          'Number of measurements to take (integer, or an argument placeholder). Unset with an interval: measure until the run is terminated.',
        ),
      successCondition: z
        .string()
        .optional()
        .describe('CEL expression over result that marks a measurement Successful, e.g. result[0] >= 0.99.'),
      failureCondition: z
        .string()
        .optional()
        .describe('CEL expression over result that marks a measurement Failed, e.g. result[0] < 0.95.'),
      failureLimit: intOrString()
        .optional()
        .describe(
          'Failed measurements tolerated before the metric fails (default 0): an integer, or an argument placeholder such as "{{args.failures}}" resolved when the run is made.',
        ),
      inconclusiveLimit: intOrString()
        .optional()
        .describe(
          'Inconclusive measurements tolerated before the metric is Inconclusive (default 0); integer or argument placeholder.',
        ),
      consecutiveErrorLimit: intOrString()
        .default(4)
        .describe(
          'Consecutive measurement errors tolerated before the metric is Error; integer or argument placeholder.',
        ),
      consecutiveSuccessLimit: intOrString()
        .optional()
        .describe(
          'Consecutive successful measurements after which the metric is Successful early; integer or argument placeholder.',
        ),
      provider: MetricProvider,
    })
    .describe('One metric: how to measure, how often, and what counts as success.'),
  [
    intLimitRule('count', 0),
    intLimitRule('failureLimit', -1),
    intLimitRule('inconclusiveLimit', 0),
    intLimitRule('consecutiveErrorLimit', 0),
    intLimitRule('consecutiveSuccessLimit', 0),
  ],
);
export type Metric = z.infer<typeof Metric>;
/** A metric as written in a manifest (defaults not yet applied). */
export type MetricInput = z.input<typeof Metric>;

export const DryRun = z
  .strictObject({
    metricName: shortString().describe(
      'Metric whose outcome is recorded but does not affect the run (".*" for all).',
    ),
  })
  .describe('Evaluate a metric without letting it fail the run.');
export type DryRun = z.infer<typeof DryRun>;

export const MeasurementRetention = z
  .strictObject({
    metricName: shortString().describe('Metric name (".*" for all).'),
    limit: z.int32().min(1).describe('Number of most recent measurements kept in status.'),
  })
  .describe('How many measurements of a metric the run keeps in status (default 10).');
export type MeasurementRetention = z.infer<typeof MeasurementRetention>;

const metricsList = () =>
  uniqueListOf(Metric, 'name', LIMITS.metrics, 'metric names').min(1).describe('The metrics to measure.');
const argsList = () =>
  uniqueListOf(Argument, 'name', LIMITS.args, 'argument names').describe(
    'Arguments the metrics may refer to.',
  );

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

export const AnalysisTemplateReference = z
  .strictObject({
    templateName: z
      .string()
      .min(1)
      .max(LIMITS.name)
      .describe('Name of the AnalysisTemplate (or ClusterAnalysisTemplate).'),
    clusterScope: z.boolean().optional().describe('Refer to a ClusterAnalysisTemplate instead.'),
  })
  .describe('Another template whose metrics, args, dryRun and measurementRetention this one includes.');
export type AnalysisTemplateReference = z.infer<typeof AnalysisTemplateReference>;

export const AnalysisTemplateSpec = withCel(
  z
    .strictObject({
      args: argsList().optional(),
      metrics: metricsList().optional(),
      templates: listOf(AnalysisTemplateReference, LIMITS.templates)
        .optional()
        .describe(
          'Templates whose metrics and args are merged into this one (resolved when a run is created).',
        ),
      dryRun: listOf(DryRun, LIMITS.metrics).optional().describe('Metrics evaluated in dry-run mode.'),
      measurementRetention: listOf(MeasurementRetention, LIMITS.metrics)
        .optional()
        .describe('Measurement retention per metric.'),
    })
    .describe('What to measure and how to judge it.'),
  [atLeastOneOf(['metrics', 'templates'])],
);
export type AnalysisTemplateSpec = z.infer<typeof AnalysisTemplateSpec>;

/** Templates have no runtime state; the controller may report validity here. */
export const AnalysisTemplateStatus = z
  .object({
    observedGeneration: z.int().optional().describe('Generation the conditions refer to.'),
    conditions: z.array(Condition).optional().describe('InvalidSpec when the template cannot be used.'),
  })
  .describe('Reserved for validity conditions set by the controller.');
export type AnalysisTemplateStatus = z.infer<typeof AnalysisTemplateStatus>;

export const AnalysisTemplate = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('AnalysisTemplate'),
  metadata: ObjectMeta,
  spec: AnalysisTemplateSpec,
  status: AnalysisTemplateStatus.optional(),
});
export type AnalysisTemplate = z.infer<typeof AnalysisTemplate>;

export const ClusterAnalysisTemplate = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ClusterAnalysisTemplate'),
  metadata: ObjectMeta,
  spec: AnalysisTemplateSpec,
  status: AnalysisTemplateStatus.optional(),
});
export type ClusterAnalysisTemplate = z.infer<typeof ClusterAnalysisTemplate>;

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

export const TtlStrategy = z
  .strictObject({
    secondsAfterCompletion: nonNegativeInt()
      .optional()
      .describe('Delete the run this long after it finished, whatever its phase.'),
    secondsAfterSuccess: nonNegativeInt()
      .optional()
      .describe('Delete a Successful run this long after it finished (over secondsAfterCompletion).'),
    secondsAfterFailure: nonNegativeInt()
      .optional()
      .describe('Delete a Failed or Error run this long after it finished (over secondsAfterCompletion).'),
  })
  .describe('When the controller deletes the finished run (from status.completedAt).');
export type TtlStrategy = z.infer<typeof TtlStrategy>;

export const AnalysisRunSpec = z
  .strictObject({
    args: argsList().optional(),
    metrics: metricsList(),
    dryRun: listOf(DryRun, LIMITS.metrics).optional().describe('Metrics evaluated in dry-run mode.'),
    measurementRetention: listOf(MeasurementRetention, LIMITS.metrics)
      .optional()
      .describe('Measurement retention per metric.'),
    terminate: z
      .boolean()
      .optional()
      .describe('Set to stop taking measurements; the run completes with what it has.'),
    ttlStrategy: TtlStrategy.optional(),
  })
  .describe('The metrics of the run, with arguments resolved from the templates and the caller.');
export type AnalysisRunSpec = z.infer<typeof AnalysisRunSpec>;

export const Measurement = z.object({
  phase: AnalysisPhase.describe('Outcome of this measurement.'),
  value: z.string().optional().describe('The measured value, as text.'),
  startedAt: timestamp().optional(),
  finishedAt: timestamp().optional(),
  resumeAt: timestamp()
    .optional()
    .describe('When an asynchronous measurement (job, web) should be checked again.'),
  message: z.string().optional().describe('Error or explanation.'),
  metadata: z.record(z.string(), z.string()).optional().describe('Provider data, e.g. the Job name.'),
});
export type Measurement = z.infer<typeof Measurement>;

export const MetricResult = z.object({
  name: z.string().describe('Metric name.'),
  phase: AnalysisPhase,
  measurements: z
    .array(Measurement)
    .optional()
    .describe('Most recent measurements (see measurementRetention).'),
  count: z.int32().optional().describe('Measurements taken.'),
  successful: z.int32().optional(),
  failed: z.int32().optional(),
  inconclusive: z.int32().optional(),
  error: z.int32().optional(),
  consecutiveError: z.int32().optional(),
  consecutiveSuccess: z.int32().optional(),
  message: z.string().optional(),
  dryRun: z.boolean().optional().describe('The metric ran in dry-run mode.'),
});
export type MetricResult = z.infer<typeof MetricResult>;

export const RunSummary = z.object({
  count: z.int32().optional().describe('Number of metrics.'),
  successful: z.int32().optional(),
  failed: z.int32().optional(),
  inconclusive: z.int32().optional(),
  error: z.int32().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const AnalysisRunStatus = z.object({
  phase: AnalysisPhase.optional(),
  message: z.string().optional(),
  startedAt: timestamp().optional(),
  completedAt: timestamp()
    .optional()
    .describe('When the run reached a finished phase (ttlStrategy counts from here).'),
  metricResults: z.array(MetricResult).optional(),
  runSummary: RunSummary.optional().describe('Counts of metrics per outcome (dry-run metrics excluded).'),
  dryRunSummary: RunSummary.optional().describe('Counts of dry-run metrics per outcome.'),
});
export type AnalysisRunStatus = z.infer<typeof AnalysisRunStatus>;

export const AnalysisRun = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('AnalysisRun'),
  metadata: ObjectMeta,
  spec: AnalysisRunSpec,
  status: AnalysisRunStatus.optional(),
});
export type AnalysisRun = z.infer<typeof AnalysisRun>;

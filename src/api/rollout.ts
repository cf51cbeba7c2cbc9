/**
 * The Rollout kind (bellwether.dev/v1alpha1). Field names and meanings follow Argo Rollouts
 * (argoproj.io/v1alpha1) so a manifest moves over by changing `apiVersion`; Bellwether additions
 * (`strategy.rolling`, `strategy.abTest`, `status.source`, integer canary weights) are marked.
 */
import { z } from 'zod';
import { AnalysisPhase, DryRun, MeasurementRetention } from './analysis.ts';
import { routerKindList } from './routers.ts';
import {
  API_VERSION,
  Condition,
  FieldRef,
  LIMITS,
  LabelSelector,
  ObjectMeta,
  PodMetadata,
  PodTemplate,
  atLeastOneOf,
  atMostOneOf,
  boundedRecord,
  durationString,
  exactlyOneOf,
  intOrString,
  listOf,
  nonNegativeInt,
  objectName,
  percent,
  serviceName,
  shortString,
  timestamp,
  uniqueListOf,
  withCel,
} from './common.ts';

// ---------------------------------------------------------------------------------------------
// Analysis references (steps, background, blue-green promotion)
// ---------------------------------------------------------------------------------------------

export const AnalysisTemplateRef = z
  .strictObject({
    templateName: objectName().describe('Name of the AnalysisTemplate (or ClusterAnalysisTemplate).'),
    clusterScope: z.boolean().optional().describe('Refer to a ClusterAnalysisTemplate instead.'),
  })
  .describe('A template the AnalysisRun is built from; several templates are merged into one run.');
export type AnalysisTemplateRef = z.infer<typeof AnalysisTemplateRef>;

export const AnalysisArgValueFrom = withCel(
  z
    .strictObject({
      podTemplateHashValue: z
        .enum(['Stable', 'Latest'])
        .optional()
        .describe('The pod template hash of the stable (Stable) or the new (Latest) ReplicaSet.'),
      fieldRef: FieldRef.optional().describe("A field of the Rollout, e.g. metadata.labels['app']."),
    })
    .describe('Where the value comes from.'),
  [exactlyOneOf(['podTemplateHashValue', 'fieldRef'])],
);
export type AnalysisArgValueFrom = z.infer<typeof AnalysisArgValueFrom>;

export const AnalysisRunArgument = withCel(
  z
    .strictObject({
      name: shortString().describe('Name of the template argument to set.'),
      value: z.string().optional().describe('Literal value.'),
      valueFrom: AnalysisArgValueFrom.optional(),
    })
    .describe('A value passed to the template arguments.'),
  [exactlyOneOf(['value', 'valueFrom'])],
);
export type AnalysisRunArgument = z.infer<typeof AnalysisRunArgument>;

const analysisFields = {
  templates: listOf(AnalysisTemplateRef, LIMITS.templates)
    .min(1)
    .describe('Templates to run (at least one).'),
  args: listOf(AnalysisRunArgument, LIMITS.args).optional().describe('Arguments for the templates.'),
  dryRun: listOf(DryRun, LIMITS.metrics).optional().describe('Metrics evaluated in dry-run mode.'),
  measurementRetention: listOf(MeasurementRetention, LIMITS.metrics)
    .optional()
    .describe('Measurements kept per metric.'),
  analysisRunMetadata: PodMetadata.optional().describe(
    "Labels and annotations put on the AnalysisRuns made from this analysis (the controller's own labels win).",
  ),
};

/** An analysis the Rollout runs and waits for (a step, or blue-green pre/post promotion). */
export const RolloutAnalysis = z
  .strictObject(analysisFields)
  .describe('Create an AnalysisRun from these templates; the Rollout waits for its outcome.');
export type RolloutAnalysis = z.infer<typeof RolloutAnalysis>;

/** An analysis that runs in the background for the whole update. */
export const RolloutAnalysisBackground = z
  .strictObject({
    ...analysisFields,
    startingStep: nonNegativeInt()
      .optional()
      .describe('Index of the step at which the background analysis starts (default 0).'),
  })
  .describe('Background analysis: runs while the update progresses; its failure aborts the Rollout.');
export type RolloutAnalysisBackground = z.infer<typeof RolloutAnalysisBackground>;

// ---------------------------------------------------------------------------------------------
// Traffic routing
// ---------------------------------------------------------------------------------------------

export const NginxTrafficRouting = withCel(
  z
    .strictObject({
      stableIngress: objectName()
        .optional()
        .describe('Ingress routing to the stable Service; a canary Ingress is generated from it.'),
      stableIngresses: listOf(objectName(), LIMITS.routes)
        .min(1)
        .optional()
        .describe(
          'Several stable Ingresses (instead of stableIngress); a canary Ingress is generated from each.',
        ),
      additionalStableIngresses: listOf(objectName(), LIMITS.routes)
        .optional()
        .describe('Bellwether: more Ingresses to mirror the canary weight on (next to stableIngress).'),
      annotationPrefix: z
        .string()
        .max(LIMITS.name)
        .optional()
        .describe('Annotation prefix of the ingress controller (default nginx.ingress.kubernetes.io).'),
      additionalIngressAnnotations: z
        .record(z.string(), z.string())
        .optional()
        .describe(
          'Extra annotations for the canary Ingress (without the prefix), e.g. canary-by-header: X-Canary.',
        ),
      canaryIngressAnnotations: z
        .record(z.string(), z.string())
        .optional()
        .describe(
          'Annotations put on the canary Ingress as written (full keys, no prefix added), e.g. for another controller.',
        ),
    })
    .describe('NGINX ingress: the controller generates a canary Ingress with canary-weight annotations.'),
  [exactlyOneOf(['stableIngress', 'stableIngresses'])],
);
export type NginxTrafficRouting = z.infer<typeof NginxTrafficRouting>;

export const GatewayAPITrafficRouting = z
  .strictObject({
    httpRoute: objectName().describe(
      'HTTPRoute whose backendRefs to the canary and stable Services get weights.',
    ),
    namespace: objectName()
      .optional()
      .describe('Namespace of the HTTPRoute (default: the Rollout namespace).'),
  })
  .describe('Gateway API: weights on HTTPRoute backendRefs; header routes as extra HTTPRoute rules.');
export type GatewayAPITrafficRouting = z.infer<typeof GatewayAPITrafficRouting>;

export const IstioTlsRoute = z
  .strictObject({
    port: z.int32().min(1).max(65535).optional().describe('Port the TLS route matches.'),
    sniHosts: listOf(z.string().min(1).max(LIMITS.name), LIMITS.routes)
      .optional()
      .describe('SNI hosts the TLS route matches (all of them).'),
  })
  .describe('Picks the TLS routes of the VirtualService to set weights on, by their match.');
export type IstioTlsRoute = z.infer<typeof IstioTlsRoute>;

export const IstioTcpRoute = z
  .strictObject({
    port: z.int32().min(1).max(65535).optional().describe('Port the TCP route matches.'),
  })
  .describe('Picks the TCP routes of the VirtualService to set weights on, by their match.');
export type IstioTcpRoute = z.infer<typeof IstioTcpRoute>;

export const IstioVirtualService = z
  .strictObject({
    name: objectName().describe('VirtualService name.'),
    routes: listOf(shortString(), LIMITS.routes)
      .optional()
      .describe('Names of the HTTP routes to set weights on (default: the only HTTP route).'),
    tlsRoutes: listOf(IstioTlsRoute, LIMITS.routes)
      .optional()
      .describe('TLS routes to set weights on, matched by port and SNI hosts.'),
    tcpRoutes: listOf(IstioTcpRoute, LIMITS.routes)
      .optional()
      .describe('TCP routes to set weights on, matched by port.'),
  })
  .describe('A VirtualService whose route weights the controller sets.');
export type IstioVirtualService = z.infer<typeof IstioVirtualService>;

export const IstioTrafficRouting = withCel(
  z
    .strictObject({
      virtualService: IstioVirtualService.optional(),
      virtualServices: listOf(IstioVirtualService, LIMITS.routes)
        .min(1)
        .optional()
        .describe('Several VirtualServices (instead of virtualService), each given the same weights.'),
      destinationRule: z
        .strictObject({
          name: objectName().describe('DestinationRule name.'),
          canarySubsetName: shortString().describe('Subset for the canary pods.'),
          stableSubsetName: shortString().describe('Subset for the stable pods.'),
        })
        .optional()
        .describe(
          'Subset-level splitting: the controller points the subsets at the pod template hashes (canaryService and stableService are then optional).',
        ),
    })
    .describe(
      'Istio: weights on VirtualService HTTP, TLS and TCP routes (host-level, or subset-level with a DestinationRule).',
    ),
  [exactlyOneOf(['virtualService', 'virtualServices'])],
);
export type IstioTrafficRouting = z.infer<typeof IstioTrafficRouting>;

export const SmiTrafficRouting = z
  .strictObject({
    rootService: serviceName().optional().describe('Service clients call (default: stableService).'),
    trafficSplitName: objectName()
      .optional()
      .describe('TrafficSplit to create or update (default: the Rollout name).'),
  })
  .describe('Service Mesh Interface TrafficSplit.');
export type SmiTrafficRouting = z.infer<typeof SmiTrafficRouting>;

export const AlbStickinessConfig = withCel(
  z
    .strictObject({
      enabled: z.boolean().describe('Keep a client on the target group it was first sent to.'),
      durationSeconds: z
        .int()
        .min(0)
        .max(604800)
        .describe('How long a client stays on its target group (1 to 604800 seconds when enabled).'),
    })
    .describe('Target group stickiness of the forward action (TargetGroupStickinessConfig).'),
  [
    {
      rule: '!self.enabled || self.durationSeconds >= 1',
      message: 'durationSeconds must be between 1 and 604800 when stickiness is enabled',
      fieldPath: '.durationSeconds',
      holds: (self) => !self.enabled || self.durationSeconds >= 1,
    },
  ],
);

export const AlbTrafficRouting = withCel(
  z
    .strictObject({
      ingress: objectName()
        .optional()
        .describe('Ingress (class alb) whose action annotation the controller sets.'),
      ingresses: listOf(objectName(), LIMITS.routes)
        .optional()
        .describe('Several Ingresses to set the same action annotation on (instead of ingress).'),
      servicePort: z
        .int32()
        .min(1)
        .max(65535)
        .describe('Service port the target groups of the forward action use.'),
      rootService: serviceName()
        .optional()
        .describe(
          'Service the Ingress rule routes to with port name use-annotation; names the action (default: stableService).',
        ),
      annotationPrefix: z
        .string()
        .max(LIMITS.name)
        .optional()
        .describe(
          'Annotation prefix of the AWS Load Balancer Controller (default alb.ingress.kubernetes.io).',
        ),
      stickinessConfig: AlbStickinessConfig.optional(),
    })
    .describe(
      'AWS Load Balancer Controller: target group weights in the alb.ingress.kubernetes.io/actions.<service> annotation.',
    ),
  [exactlyOneOf(['ingress', 'ingresses'])],
);
export type AlbTrafficRouting = z.infer<typeof AlbTrafficRouting>;

export const ManagedRoute = z
  .strictObject({
    name: shortString().describe('Route name, as used by setHeaderRoute / setMirrorRoute steps.'),
  })
  .describe('A route the controller may create, in precedence order.');
export type ManagedRoute = z.infer<typeof ManagedRoute>;

export const TrafficRouting = withCel(
  z
    .strictObject({
      nginx: NginxTrafficRouting.optional(),
      gatewayAPI: GatewayAPITrafficRouting.optional(),
      istio: IstioTrafficRouting.optional(),
      smi: SmiTrafficRouting.optional(),
      alb: AlbTrafficRouting.optional(),
      managedRoutes: uniqueListOf(ManagedRoute, 'name', LIMITS.routes, 'managed route names')
        .optional()
        .describe('Header and mirror routes the steps may set, highest precedence first.'),
      maxTrafficWeight: z
        .int32()
        .min(1)
        .optional()
        .describe('The total weight setWeight is relative to (default 100).'),
    })
    .describe(
      'How traffic is split. Without it, weights are approximated by replica counts behind one Service.',
    ),
  [atLeastOneOf(routerKindList)],
);
export type TrafficRouting = z.infer<typeof TrafficRouting>;

// ---------------------------------------------------------------------------------------------
// Canary steps
// ---------------------------------------------------------------------------------------------

export const StringMatch = withCel(
  z
    .strictObject({
      exact: z.string().optional().describe('Matches this exact value.'),
      prefix: z.string().optional().describe('Matches values starting with this prefix.'),
      regex: z.string().optional().describe('Matches values matching this regular expression (RE2).'),
    })
    .describe('How a value is matched. Set exactly one of exact, prefix, regex.'),
  [exactlyOneOf(['exact', 'prefix', 'regex'])],
);
export type StringMatch = z.infer<typeof StringMatch>;

export const HeaderRoutingMatch = z
  .strictObject({
    headerName: z.string().min(1).max(LIMITS.shortString).describe('HTTP header name.'),
    headerValue: StringMatch,
  })
  .describe('A request header condition.');
export type HeaderRoutingMatch = z.infer<typeof HeaderRoutingMatch>;

export const SetHeaderRoute = z
  .strictObject({
    name: shortString().describe('A name listed in trafficRouting.managedRoutes.'),
    match: listOf(HeaderRoutingMatch, LIMITS.matches)
      .optional()
      .describe('Requests matching all conditions go to the canary. Empty removes the route.'),
  })
  .describe('Send requests with matching headers to the canary, independent of the weight.');
export type SetHeaderRoute = z.infer<typeof SetHeaderRoute>;

export const RouteMatch = z
  .strictObject({
    method: StringMatch.optional().describe('HTTP method.'),
    path: StringMatch.optional().describe('URI path.'),
    headers: boundedRecord(StringMatch, LIMITS.headers).optional().describe('Header name -> match.'),
  })
  .describe('A request condition (all given parts must match).');
export type RouteMatch = z.infer<typeof RouteMatch>;

export const SetMirrorRoute = z
  .strictObject({
    name: shortString().describe('A name listed in trafficRouting.managedRoutes.'),
    percentage: percent().optional().describe('Share of matching requests to mirror (default 100).'),
    match: listOf(RouteMatch, LIMITS.matches)
      .optional()
      .describe('Requests matching any entry are mirrored to the canary. Empty removes the route.'),
  })
  .describe('Mirror (shadow) matching requests to the canary; responses are discarded.');
export type SetMirrorRoute = z.infer<typeof SetMirrorRoute>;

export const SetCanaryScale = withCel(
  z
    .strictObject({
      weight: percent().optional().describe('Scale the canary to this percentage of spec.replicas.'),
      replicas: nonNegativeInt().optional().describe('Scale the canary to exactly this many pods.'),
      matchTrafficWeight: z
        .boolean()
        .optional()
        .describe('Go back to scaling the canary with the traffic weight (the default behaviour).'),
    })
    .describe('Scale the canary independently of the traffic weight (requires trafficRouting).'),
  [exactlyOneOf(['weight', 'replicas', 'matchTrafficWeight'])],
);
export type SetCanaryScale = z.infer<typeof SetCanaryScale>;

export const RolloutPause = z
  .strictObject({
    duration: intOrString()
      .optional()
      .describe(
        'How long to pause: seconds as an integer, or a duration such as 30s, 5m, 1h. Unset: until promoted.',
      ),
  })
  .describe('Pause the rollout.');
export type RolloutPause = z.infer<typeof RolloutPause>;

export const RolloutExperimentTemplate = z
  .strictObject({
    name: shortString().describe('Name of this experiment variant.'),
    specRef: z.enum(['stable', 'canary']).describe('Run the stable or the canary pod template.'),
    replicas: nonNegativeInt().optional().describe('Pods to run (default 1).'),
    weight: percent()
      .optional()
      .describe(
        "Percent of the traffic the router sends to this variant's Service while the Experiment runs (trafficRouting istio or smi).",
      ),
    metadata: PodMetadata.optional().describe('Extra pod labels and annotations.'),
    selector: LabelSelector.optional().describe(
      'Selector for the variant (default: derived from the template).',
    ),
    service: z
      .strictObject({ name: serviceName().optional().describe('Service name (default: generated).') })
      .optional()
      .describe('Create a Service for the variant.'),
  })
  .describe('A ReplicaSet the experiment runs.');
export type RolloutExperimentTemplate = z.infer<typeof RolloutExperimentTemplate>;

export const RolloutExperimentAnalysis = z
  .strictObject({
    name: shortString().describe('Name of the analysis within the experiment.'),
    templateName: objectName().describe('AnalysisTemplate (or ClusterAnalysisTemplate) to run.'),
    clusterScope: z.boolean().optional().describe('Refer to a ClusterAnalysisTemplate.'),
    args: listOf(AnalysisRunArgument, LIMITS.args).optional().describe('Arguments for the template.'),
    requiredForCompletion: z
      .boolean()
      .optional()
      .describe('The experiment completes only when this analysis completes.'),
  })
  .describe('An analysis run for the duration of the experiment.');
export type RolloutExperimentAnalysis = z.infer<typeof RolloutExperimentAnalysis>;

export const RolloutExperimentStep = z
  .strictObject({
    duration: durationString()
      .optional()
      .describe('How long the experiment runs (default: until its analyses end).'),
    templates: listOf(RolloutExperimentTemplate, LIMITS.templates).min(1).describe('ReplicaSets to run.'),
    analyses: listOf(RolloutExperimentAnalysis, LIMITS.templates).optional().describe('Analyses to run.'),
    dryRun: listOf(DryRun, LIMITS.metrics).optional().describe('Metrics evaluated in dry-run mode.'),
  })
  .describe('Run an Experiment (extra ReplicaSets plus analyses) and wait for it.');
export type RolloutExperimentStep = z.infer<typeof RolloutExperimentStep>;

const CANARY_STEP_ACTIONS = [
  'setWeight',
  'pause',
  'analysis',
  'setCanaryScale',
  'setHeaderRoute',
  'setMirrorRoute',
  'experiment',
] as const;

/** Argo Rollouts' hasMultipleStepsType: these exclude each other; the other actions may join one. */
const EXCLUSIVE_CANARY_STEP_ACTIONS = ['setWeight', 'pause', 'analysis', 'experiment'] as const;

export const CanaryStep = withCel(
  z
    .strictObject({
      setWeight: percent().optional().describe('Send this percentage of traffic to the canary (0..100).'),
      pause: RolloutPause.optional(),
      analysis: RolloutAnalysis.optional(),
      setCanaryScale: SetCanaryScale.optional(),
      setHeaderRoute: SetHeaderRoute.optional(),
      setMirrorRoute: SetMirrorRoute.optional(),
      experiment: RolloutExperimentStep.optional(),
    })
    .describe(
      'One canary step. At most one of setWeight, pause, analysis, experiment; setCanaryScale, setHeaderRoute and setMirrorRoute may join it (as in Argo Rollouts). The step is done when every action in it is.',
    ),
  [atLeastOneOf(CANARY_STEP_ACTIONS), atMostOneOf(EXCLUSIVE_CANARY_STEP_ACTIONS)],
);
export type CanaryStep = z.infer<typeof CanaryStep>;

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

export const AntiAffinity = withCel(
  z
    .strictObject({
      preferredDuringSchedulingIgnoredDuringExecution: z
        .strictObject({
          weight: z.int32().min(1).max(100).describe('Weight of the preferred anti-affinity term (1-100).'),
        })
        .optional()
        .describe('Prefer nodes that run no pod of the other version.'),
      requiredDuringSchedulingIgnoredDuringExecution: z
        .strictObject({})
        .optional()
        .describe('Never schedule on a node that runs a pod of the other version.'),
    })
    .describe(
      "Anti-affinity injected into the new version's pod template against the pods of the stable (active) version, on kubernetes.io/hostname. Set exactly one.",
    ),
  [
    exactlyOneOf([
      'preferredDuringSchedulingIgnoredDuringExecution',
      'requiredDuringSchedulingIgnoredDuringExecution',
    ]),
  ],
);
export type AntiAffinity = z.infer<typeof AntiAffinity>;

const scaleDownDelayRevisionLimit = () =>
  nonNegativeInt()
    .optional()
    .describe(
      'At most this many old ReplicaSets wait out scaleDownDelaySeconds at once (newest first); older ones are scaled down at once.',
    );

const maxSurge = () =>
  intOrString()
    .optional()
    .describe(
      'Pods above the desired count during the update: an integer or a percentage such as "25%" (default 25%).',
    );
const maxUnavailable = () =>
  intOrString()
    .optional()
    .describe(
      'Pods that may be unavailable during the update: an integer or a percentage such as "25%" (default 25%).',
    );

export const RollingStrategy = z
  .strictObject({
    maxSurge: maxSurge(),
    maxUnavailable: maxUnavailable(),
  })
  .describe('Bellwether addition: a plain rolling update (the same as a canary with no steps).');
export type RollingStrategy = z.infer<typeof RollingStrategy>;

export const ReplicaProgressThreshold = withCel(
  z
    .strictObject({
      type: z
        .enum(['Percent', 'Pod'])
        .describe(
          "Percent: `value` percent of the step's pods; Pod: `value` pods (at most the step's count).",
        ),
      value: z.int32().min(1).describe('The share: 1-100 for Percent, at least 1 for Pod.'),
    })
    .describe(
      "A step's pods count as ready once this many of them are available (Argo Rollouts v1.8); unset: all of them.",
    ),
  [
    {
      rule: "self.type != 'Percent' || self.value <= 100",
      message: 'a Percent value must be from 1 to 100',
      fieldPath: '.value',
      holds: (self) => self.type !== 'Percent' || self.value <= 100,
    },
  ],
);

export const CanaryStrategy = withCel(
  z
    .strictObject({
      canaryService: serviceName().optional().describe('Service the controller points at the canary pods.'),
      stableService: serviceName().optional().describe('Service the controller points at the stable pods.'),
      steps: listOf(CanaryStep, LIMITS.steps)
        .optional()
        .describe('The steps, in order. No steps: a rolling update to 100%.'),
      trafficRouting: TrafficRouting.optional(),
      pingPong: z
        .strictObject({
          pingService: serviceName().describe('One of the two Services that take turns being stable.'),
          pongService: serviceName().describe('The other one.'),
        })
        .optional()
        .describe(
          'Ping-pong Services (instead of canaryService/stableService, with trafficRouting.alb): the two take turns being stable; at promotion they swap roles instead of moving the stable Service.',
        ),
      maxSurge: maxSurge(),
      maxUnavailable: maxUnavailable(),
      analysis: RolloutAnalysisBackground.optional(),
      scaleDownDelaySeconds: nonNegativeInt()
        .optional()
        .describe('Keep the old stable pods this long after the switch (default 30).'),
      abortScaleDownDelaySeconds: nonNegativeInt()
        .optional()
        .describe('Keep the canary pods this long after an abort (default 30; 0 = keep).'),
      dynamicStableScale: z
        .boolean()
        .optional()
        .describe('Requires trafficRouting: scale the stable ReplicaSet down as the canary weight grows.'),
      scaleDownDelayRevisionLimit: scaleDownDelayRevisionLimit(),
      minPodsPerReplicaSet: z
        .int32()
        .min(1)
        .optional()
        .describe(
          'Requires trafficRouting: a canary or stable ReplicaSet that runs pods runs at least this many (high availability).',
        ),
      canaryMetadata: PodMetadata.optional().describe(
        "Labels and annotations put on the canary's pods while they are the canary (removed when it becomes stable).",
      ),
      stableMetadata: PodMetadata.optional().describe(
        "Labels and annotations put on the stable version's pods while they are the stable.",
      ),
      antiAffinity: AntiAffinity.optional(),
      replicaProgressThreshold: ReplicaProgressThreshold.optional(),
    })
    .describe('Canary: shift traffic step by step, gated on pauses and analyses.'),
  [
    {
      rule: '!has(self.canaryService) || !has(self.stableService) || self.canaryService != self.stableService',
      message: 'canaryService and stableService must be different Services',
      fieldPath: '.canaryService',
      holds: (self) =>
        self.canaryService === undefined ||
        self.stableService === undefined ||
        self.canaryService !== self.stableService,
    },
  ],
);
export type CanaryStrategy = z.infer<typeof CanaryStrategy>;

export const BlueGreenStrategy = withCel(
  z
    .strictObject({
      activeService: serviceName().describe(
        'Service that serves production traffic; switched to the new version on promotion.',
      ),
      previewService: serviceName()
        .optional()
        .describe('Service that points at the new version before promotion.'),
      autoPromotionEnabled: z
        .boolean()
        .optional()
        .describe(
          'Promote automatically once the new version is ready (default true). False: wait for promote.',
        ),
      autoPromotionSeconds: nonNegativeInt()
        .optional()
        .describe('Promote automatically this many seconds after the new version is ready.'),
      previewReplicaCount: nonNegativeInt()
        .optional()
        .describe('Pods of the new version before promotion (default: spec.replicas).'),
      scaleDownDelaySeconds: nonNegativeInt()
        .optional()
        .describe('Keep the old version this long after promotion (default 30).'),
      abortScaleDownDelaySeconds: nonNegativeInt()
        .optional()
        .describe('Keep the new version this long after an abort (default 30; 0 = keep).'),
      prePromotionAnalysis: RolloutAnalysis.optional().describe(
        'Analysis that must succeed before promotion.',
      ),
      postPromotionAnalysis: RolloutAnalysis.optional().describe(
        'Analysis after promotion; its failure switches the active Service back.',
      ),
      scaleDownDelayRevisionLimit: scaleDownDelayRevisionLimit(),
      maxUnavailable: intOrString()
        .optional()
        .describe(
          'Pods a restart (spec.restartAt) may take out of service at once: an integer or a percentage of spec.replicas, rounded down, at least 1 (default 25%).',
        ),
      previewMetadata: PodMetadata.optional().describe(
        "Labels and annotations put on the new version's pods while they are the preview (removed on promotion).",
      ),
      activeMetadata: PodMetadata.optional().describe(
        'Labels and annotations put on the pods the active Service selects.',
      ),
      antiAffinity: AntiAffinity.optional(),
    })
    .describe('Blue-green: run the new version next to the old one, then switch the active Service.'),
  [
    {
      rule: '!has(self.previewService) || self.activeService != self.previewService',
      message: 'activeService and previewService must be different Services',
      fieldPath: '.previewService',
      holds: (self) => self.previewService === undefined || self.activeService !== self.previewService,
    },
  ],
);
export type BlueGreenStrategy = z.infer<typeof BlueGreenStrategy>;

// ---------------------------------------------------------------------------------------------
// A/B test (Bellwether addition)
// ---------------------------------------------------------------------------------------------

export const AbSplit = withCel(
  z
    .strictObject({
      a: percent().describe('Percentage of users assigned to variant A (the stable version).'),
      b: percent().describe('Percentage of users assigned to variant B (the new version).'),
    })
    .describe('A traffic split between the variants, e.g. {a: 80, b: 20}; a + b = 100.'),
  [
    {
      rule: 'self.a + self.b == 100',
      message: 'split a + b must equal 100',
      holds: (self) => self.a + self.b === 100,
    },
  ],
);
export type AbSplit = z.infer<typeof AbSplit>;

export const AbVariant = z
  .strictObject({
    service: serviceName().describe('Service the controller points at the pods of this variant.'),
    name: z
      .string()
      .max(63)
      .optional()
      .describe('Display name in status and events, e.g. control (default A / B).'),
  })
  .describe('One variant.');
export type AbVariant = z.infer<typeof AbVariant>;

export const AbStickiness = withCel(
  z
    .strictObject({
      cookie: z
        .strictObject({
          name: z
            .string()
            .min(1)
            .max(LIMITS.shortString)
            .describe('Cookie that records the assigned variant.'),
          maxAgeSeconds: nonNegativeInt().optional().describe('Cookie lifetime (default: session).'),
        })
        .optional()
        .describe('Assign a variant on the first request and keep it in a cookie.'),
      header: z
        .strictObject({
          name: z
            .string()
            .min(1)
            .max(LIMITS.shortString)
            .describe('Header identifying the user, e.g. X-User-Id.'),
        })
        .optional()
        .describe('Assign the variant by a stable hash of this header value.'),
    })
    .describe('How a user keeps seeing the same variant. Set exactly one of cookie, header.'),
  [exactlyOneOf(['cookie', 'header'])],
);
export type AbStickiness = z.infer<typeof AbStickiness>;

export const AbTestStep = withCel(
  z
    .strictObject({
      setSplit: AbSplit.optional().describe('Move to this split.'),
      pause: RolloutPause.optional(),
      analysis: RolloutAnalysis.optional().describe('Run a comparison analysis and wait for its outcome.'),
    })
    .describe('One A/B step. Set exactly one action.'),
  [exactlyOneOf(['setSplit', 'pause', 'analysis'], 'one action per step')],
);
export type AbTestStep = z.infer<typeof AbTestStep>;

export const AbDecision = z
  .strictObject({
    onSuccess: z
      .enum(['PromoteB', 'Wait'])
      .optional()
      .describe(
        'B beats A (analysis Successful): PromoteB makes B the stable version (default); Wait pauses for a human.',
      ),
    onFailure: z
      .enum(['KeepA', 'Wait'])
      .optional()
      .describe(
        'B is worse (analysis Failed or Error): KeepA aborts and returns all users to A (default); Wait pauses.',
      ),
    onInconclusive: z
      .enum(['Wait', 'KeepA', 'PromoteB'])
      .optional()
      .describe(
        'No clear winner (analysis Inconclusive): Wait pauses for a human (default), or KeepA / PromoteB.',
      ),
  })
  .describe('What the outcome of the comparison analysis does.');
export type AbDecision = z.infer<typeof AbDecision>;

export const AbTestStrategy = withCel(
  z
    .strictObject({
      variants: z
        .strictObject({
          a: AbVariant.describe('Variant A: the stable version (control).'),
          b: AbVariant.describe('Variant B: the new version of spec.template (candidate).'),
        })
        .describe('The two variants served side by side.'),
      split: AbSplit.describe(
        'The split the test runs at once the steps are done (e.g. 50/50); steps may raise B towards it.',
      ),
      stickiness: AbStickiness,
      steps: listOf(AbTestStep, LIMITS.steps)
        .optional()
        .describe("Steps that raise B's share towards split (setSplit), pause, or run analyses."),
      analysis: RolloutAnalysisBackground.optional().describe(
        'The comparison analysis of B against A (templates may use podTemplateHashValue Stable / Latest).',
      ),
      decision: AbDecision.optional(),
      trafficRouting: TrafficRouting.describe(
        'The router that assigns users to variants (nginx, gatewayAPI or istio; stickiness needs layer 7).',
      ),
      scaleDownDelaySeconds: nonNegativeInt()
        .optional()
        .describe('Keep the losing variant this long after the decision (default 30).'),
    })
    .describe(
      'Bellwether addition: A/B test. Both variants serve users at a declared split, each user sticks to one ' +
        'variant, the split is raised in steps, and a comparison analysis of B against A decides: promote B, ' +
        'keep A, or wait for a human. Each variant runs replicas in proportion to its share (at least one pod).',
    ),
  [
    {
      rule: 'self.variants.a.service != self.variants.b.service',
      message: 'variants a and b must use different Services',
      fieldPath: '.variants.b.service',
      holds: (self) => self.variants.a.service !== self.variants.b.service,
    },
  ],
);
export type AbTestStrategy = z.infer<typeof AbTestStrategy>;

export const RolloutStrategy = withCel(
  z
    .strictObject({
      rolling: RollingStrategy.optional(),
      canary: CanaryStrategy.optional(),
      blueGreen: BlueGreenStrategy.optional(),
      abTest: AbTestStrategy.optional(),
    })
    .describe('How the update is done. Set exactly one of rolling, canary, blueGreen, abTest.'),
  [exactlyOneOf(['rolling', 'canary', 'blueGreen', 'abTest'], 'one strategy')],
);
export type RolloutStrategy = z.infer<typeof RolloutStrategy>;

// ---------------------------------------------------------------------------------------------
// Spec
// ---------------------------------------------------------------------------------------------

export const WorkloadRef = z
  .strictObject({
    apiVersion: z.string().min(1).max(LIMITS.name).describe('apps/v1'),
    kind: z.string().min(1).max(63).describe('Deployment'),
    name: objectName().describe('Name of the Deployment in the Rollout namespace.'),
    scaleDown: z
      .enum(['never', 'onsuccess', 'progressively'])
      .optional()
      .describe(
        'What to do with the Deployment: never scale it down (default), scale it to 0 once the Rollout is Healthy, or progressively (by the Rollout pods that are available).',
      ),
  })
  .describe('Take the pod template from an existing Deployment instead of spec.template.');
export type WorkloadRef = z.infer<typeof WorkloadRef>;

export const RolloutSpec = withCel(
  z
    .strictObject({
      replicas: nonNegativeInt()
        .optional()
        .describe('Desired pods (default 1). The scale subresource sets it.'),
      selector: LabelSelector.optional().describe(
        "Selects the pods of this Rollout; must match the template labels. Optional with workloadRef: the Deployment's selector then.",
      ),
      template: PodTemplate.optional().describe(
        'The pod template. Set exactly one of template, workloadRef.',
      ),
      workloadRef: WorkloadRef.optional(),
      minReadySeconds: nonNegativeInt()
        .optional()
        .describe('Seconds a new pod must be ready before it counts as available (default 0).'),
      revisionHistoryLimit: nonNegativeInt().default(10).describe('Old ReplicaSets to keep for undo.'),
      progressDeadlineSeconds: z
        .int32()
        .min(1)
        .default(600)
        .describe('Seconds without progress before the Rollout is Degraded (ProgressDeadlineExceeded).'),
      progressDeadlineAbort: z
        .boolean()
        .optional()
        .describe('Abort the update when the progress deadline is exceeded (default false).'),
      paused: z.boolean().optional().describe('Pause the Rollout (kubectl patch or `bellwether pause`).'),
      restartAt: timestamp()
        .optional()
        .describe('Restart all pods (one ReplicaSet at a time) if they started before this time.'),
      rollbackWindow: z
        .strictObject({
          revisions: nonNegativeInt()
            .optional()
            .describe('Rolling back to one of the last N revisions skips steps and analysis.'),
        })
        .optional()
        .describe('Fast rollback window.'),
      strategy: RolloutStrategy,
      analysis: z
        .strictObject({
          successfulRunHistoryLimit: nonNegativeInt()
            .optional()
            .describe(
              'Successful AnalysisRuns of this Rollout kept once finished (default 5); older ones are deleted.',
            ),
          unsuccessfulRunHistoryLimit: nonNegativeInt()
            .optional()
            .describe(
              'Failed, Error and Inconclusive AnalysisRuns of this Rollout kept once finished (default 5); older ones are deleted.',
            ),
        })
        .optional()
        .describe('How many finished AnalysisRuns the Rollout keeps.'),
    })
    .describe('The desired state of a Rollout.'),
  [
    {
      rule: 'has(self.template) != has(self.workloadRef)',
      message: 'exactly one of template, workloadRef must be set',
      holds: (self) => (self.template === undefined) !== (self.workloadRef === undefined),
    },
    {
      rule: 'has(self.selector) || has(self.workloadRef)',
      message: 'required field is missing (it may be left out only with workloadRef)',
      fieldPath: '.selector',
      holds: (self) => self.selector !== undefined || self.workloadRef !== undefined,
    },
    {
      rule: '!has(self.minReadySeconds) || !has(self.progressDeadlineSeconds) || self.progressDeadlineSeconds > self.minReadySeconds',
      message: 'progressDeadlineSeconds must be greater than minReadySeconds',
      fieldPath: '.progressDeadlineSeconds',
      holds: (self) =>
        self.minReadySeconds === undefined || self.progressDeadlineSeconds > self.minReadySeconds,
    },
  ],
);
export type RolloutSpec = z.infer<typeof RolloutSpec>;
/** A Rollout spec as written in a manifest (defaults not yet applied). */
export type RolloutSpecInput = z.input<typeof RolloutSpec>;

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

export const RolloutPhase = z.enum(['Healthy', 'Progressing', 'Paused', 'Degraded']);
export type RolloutPhase = z.infer<typeof RolloutPhase>;

export const RolloutAnalysisRunStatus = z
  .object({
    name: z.string().describe('AnalysisRun name.'),
    status: AnalysisPhase.describe('Its phase.'),
    message: z.string().optional(),
  })
  .describe('The AnalysisRun the Rollout is waiting for.');
export type RolloutAnalysisRunStatus = z.infer<typeof RolloutAnalysisRunStatus>;

export const PauseCondition = z.object({
  reason: z
    .string()
    .describe('Why: CanaryPauseStep, BlueGreenPause, AbTestPause, InconclusiveAnalysisRun...'),
  startTime: timestamp().describe('When the pause started (pause durations count from here).'),
});
export type PauseCondition = z.infer<typeof PauseCondition>;

export const OutboxEntry = z
  .object({
    id: z
      .string()
      .describe(
        'Unique per Rollout (resourceVersion the write was based on, then the event index): names the Event, identifies the notification.',
      ),
    type: z.enum(['Normal', 'Warning']).describe('Event type.'),
    reason: z.string().describe('Event reason, e.g. RolloutPaused.'),
    message: z.string().describe('Event message.'),
    time: timestamp().describe('When the status write was decided.'),
    step: z.int32().optional().describe('status.currentStepIndex as written with it.'),
    phase: RolloutPhase.optional().describe('status.phase as written with it.'),
    triggers: z
      .array(z.string())
      .optional()
      .describe('Notification triggers it fired, as of its status write.'),
  })
  .describe('An Event (and its notifications) that belongs to an accepted status write.');
export type OutboxEntry = z.infer<typeof OutboxEntry>;

export const RolloutStatus = z
  .object({
    phase: RolloutPhase.optional().describe('Healthy, Progressing, Paused or Degraded.'),
    message: z.string().optional().describe('Why the Rollout is in this phase.'),
    observedGeneration: z.int().optional().describe('metadata.generation this status reflects.'),
    currentPodHash: z
      .string()
      .optional()
      .describe('Pod template hash of spec.template (the desired version).'),
    stableRS: z.string().optional().describe('Pod template hash of the stable ReplicaSet.'),
    currentStepIndex: z
      .int32()
      .optional()
      .describe('Index of the current step (= number of steps when done).'),
    currentStepHash: z
      .string()
      .optional()
      .describe('Hash of the steps; a change restarts the step sequence.'),
    pauseConditions: z.array(PauseCondition).optional().describe('Active pauses.'),
    controllerPause: z.boolean().optional().describe('The controller paused the Rollout (a pause step).'),
    abort: z.boolean().optional().describe('Set true to abort (`bellwether abort`), false to retry.'),
    abortedAt: timestamp().optional().describe('When the update was aborted.'),
    promoteFull: z.boolean().optional().describe('Set true to skip remaining steps and analyses.'),
    restartedAt: timestamp().optional().describe('The spec.restartAt the controller last completed.'),
    replicas: z.int32().optional().describe('Pods of this Rollout (all ReplicaSets).'),
    updatedReplicas: z.int32().optional().describe('Pods of the desired version.'),
    readyReplicas: z.int32().optional().describe('Ready pods.'),
    availableReplicas: z.int32().optional().describe('Available pods (ready for minReadySeconds).'),
    HPAReplicas: z.int32().optional().describe('Pods counted for the HorizontalPodAutoscaler.'),
    selector: z.string().optional().describe('spec.selector as a string, for the scale subresource (HPA).'),
    collisionCount: z.int32().optional().describe('Pod template hash collisions seen (salts the hash).'),
    canary: z
      .object({
        weights: z
          .object({
            canary: z.int32().describe('Percentage of traffic on the canary.'),
            stable: z.int32().describe('Percentage of traffic on the stable version.'),
          })
          .optional()
          .describe('Bellwether: the weights last written to the router, as integers.'),
        currentStepAnalysisRunStatus: RolloutAnalysisRunStatus.optional(),
        currentBackgroundAnalysisRunStatus: RolloutAnalysisRunStatus.optional(),
        currentExperiment: z.string().optional().describe('Experiment of the current step.'),
        stablePingPong: z
          .enum(['ping', 'pong'])
          .optional()
          .describe('With pingPong: which of the two Services is stable now (default ping).'),
        attempt: nonNegativeInt()
          .optional()
          .describe('Bumped on every retry so each attempt gets new AnalysisRuns'),
      })
      .optional()
      .describe('Canary state.'),
    blueGreen: z
      .object({
        activeSelector: z.string().optional().describe('Pod template hash the active Service selects.'),
        previewSelector: z.string().optional().describe('Pod template hash the preview Service selects.'),
        prePromotionAnalysisRunStatus: RolloutAnalysisRunStatus.optional(),
        postPromotionAnalysisRunStatus: RolloutAnalysisRunStatus.optional(),
        scaleUpPreviewCheckPoint: z.boolean().optional().describe('The preview was scaled up to full size.'),
        attempt: nonNegativeInt()
          .optional()
          .describe('Bumped on every retry and new version so each attempt gets new AnalysisRuns'),
      })
      .optional()
      .describe('Blue-green state.'),
    abTest: z
      .object({
        split: z
          .object({ a: z.int32(), b: z.int32() })
          .optional()
          .describe('The split last written to the router.'),
        variantAHash: z.string().optional().describe('Pod template hash of variant A.'),
        variantBHash: z.string().optional().describe('Pod template hash of variant B.'),
        currentStepAnalysisRunStatus: RolloutAnalysisRunStatus.optional(),
        currentBackgroundAnalysisRunStatus: RolloutAnalysisRunStatus.optional(),
        decision: z
          .enum(['PromoteB', 'KeepA', 'Wait'])
          .optional()
          .describe('The decision taken from the comparison analysis.'),
        attempt: nonNegativeInt()
          .optional()
          .describe('Bumped for each new variant B and each retry, so each test gets new AnalysisRuns.'),
      })
      .optional()
      .describe('Bellwether: A/B test state.'),
    conditions: z
      .array(Condition)
      .optional()
      .describe('Progressing, Available, Paused, Healthy, Completed, InvalidSpec.'),
    source: z
      .object({
        repository: z.string().optional().describe('Git repository URL.'),
        path: z.string().optional().describe('Path of the manifest in the repository.'),
        revision: z.string().optional().describe('Commit that declared this spec.'),
      })
      .optional()
      .describe('Bellwether: the Git commit that declared this Rollout.'),
    outbox: z
      .array(OutboxEntry)
      .optional()
      .describe(
        'Bellwether: Events and notifications written with a status change and not yet delivered; the next reconcile delivers them (docs/notifications.md).',
      ),
  })
  .describe('The observed state of a Rollout, written by the controller.');
export type RolloutStatus = z.infer<typeof RolloutStatus>;

// ---------------------------------------------------------------------------------------------
// Resource
// ---------------------------------------------------------------------------------------------

export const Rollout = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Rollout'),
  metadata: ObjectMeta,
  spec: RolloutSpec,
  status: RolloutStatus.optional(),
});
export type Rollout = z.infer<typeof Rollout>;
/** A Rollout as written in a manifest (defaults not yet applied). */
export type RolloutInput = z.input<typeof Rollout>;

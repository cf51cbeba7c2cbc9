/**
 * The names every room of the shell shares: the API group and version of bellwether.dev, the
 * plural of Rollouts, and the labels and annotations the controller, the routers, the sync and
 * the CLI read and write. They live here, in the lowest room, so that none of those rooms has
 * to import a higher one to spell a name (docs/architecture.md).
 */

export const group = 'bellwether.dev';
export const version = 'v1alpha1';
export const rolloutPlural = 'rollouts';

/** Annotations the controller reads and writes. */
export const annotations = {
  revision: 'rollout.bellwether.dev/revision',
  scaleDownDeadline: 'bellwether.dev/scale-down-deadline',
  managedBy: 'bellwether.dev/managed-by',
  /** The selector a Service had before the controller injected the hash, restored on deletion. */
  originalSelector: 'bellwether.dev/original-selector',
  /** Provenance, written by `bellwether sync` on every object it applies (see provenance.ts). */
  sourceRepository: 'bellwether.dev/source-repository',
  sourcePath: 'bellwether.dev/source-path',
  sourceRevision: 'bellwether.dev/source-revision',
  sourceAuthor: 'bellwether.dev/source-author',
  sourceSubject: 'bellwether.dev/source-subject',
} as const;

/** The label on ReplicaSets, pods and Service selectors that names a pod template's version. */
export const podTemplateHashLabel = 'rollouts-pod-template-hash';

/**
 * Shard: a controller started with `--instance-id X` handles only Rollouts annotated with X (and
 * their AnalysisRuns); one without it, only Rollouts without the annotation.
 */
export const instanceIdAnnotation = 'bellwether.dev/instance-id';

/**
 * `GitSource`: one branch and path of a Git repository that the sync controller
 * (`bellwether sync-controller`, src/sync/) applies to the cluster, commit by commit. The spec
 * says where the manifests are and what may be applied (namespaces, prune, self-heal, policies,
 * signatures); the status says which commit is in the cluster, which one was refused and why (the
 * andon cord), the Rollouts of the applied commit, drift, and the inventory. See docs/gitops.md.
 */
import { z } from 'zod';
import {
  API_VERSION,
  Condition,
  durationString,
  exactlyOneOf,
  LIMITS,
  listOf,
  ObjectMeta,
  objectName,
  timestamp,
  withCel,
} from './common.ts';

const NAMESPACE = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name (a DNS label)');

/** A key of a Secret or ConfigMap in the GitSource's namespace. */
const KeyRef = z.strictObject({
  name: objectName().describe('Name of the object, in the GitSource namespace.'),
  key: z.string().min(1).max(253).describe('The key that holds the allowed signers or public keys.'),
});

export const SignatureVerification = withCel(
  z.strictObject({
    format: z
      .enum(['ssh', 'openpgp'])
      .describe(
        'ssh: `allowedSigners` is an OpenSSH allowed signers file (git gpg.ssh.allowedSignersFile). openpgp: armored public keys.',
      ),
    secretRef: KeyRef.optional().describe('The allowed signers from a Secret.'),
    configMapRef: KeyRef.optional().describe('The allowed signers from a ConfigMap.'),
  }),
  [exactlyOneOf(['secretRef', 'configMapRef'], 'where the allowed signers are')],
).describe(
  'Requires every applied commit to carry a valid signature by an allowed key (`git verify-commit`); an unsigned commit or an unknown signer is refused and nothing of it is applied.',
);
export type SignatureVerification = z.infer<typeof SignatureVerification>;

export const GitSourceSpec = z.strictObject({
  url: z
    .string()
    .min(1)
    .max(2048)
    .regex(
      /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[^/@\s]+@[^/:\s]+:)\S+$/,
      'must be an https://, ssh://, git://, file:// or user@host:path URL',
    )
    .describe('The repository: https:// (token), ssh:// or user@host:path (key), git:// or file://.'),
  branch: z.string().min(1).max(255).default('main').describe('The branch to follow.'),
  path: z
    .string()
    .min(1)
    .max(1024)
    .default('.')
    .describe(
      'Directory of the manifests in the repository: every *.yaml/*.yml below it, or the output of kustomize when it holds a kustomization.yaml.',
    ),
  interval: durationString()
    .default('1m')
    .describe('How often to fetch the branch (a webhook POST fetches at once).'),
  secretRef: z
    .strictObject({ name: objectName() })
    .optional()
    .describe(
      'Credentials Secret in the GitSource namespace: keys username + password or token (https), or ssh-privatekey (ssh).',
    ),
  targetNamespace: NAMESPACE.optional().describe(
    'Namespace of the objects that name none; default: the namespace of the GitSource.',
  ),
  allowedNamespaces: listOf(NAMESPACE, LIMITS.templates)
    .optional()
    .describe(
      'Namespaces the source may apply into; default: the target namespace only. An object elsewhere, or cluster-scoped, refuses the commit.',
    ),
  prune: z
    .boolean()
    .default(true)
    .describe('Delete what an earlier commit applied and the current one no longer declares.'),
  selfHeal: z.boolean().default(false).describe('Apply Git again over changes made in the cluster (drift).'),
  policies: z
    .strictObject({
      path: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe(
          'Directory in the repository with ValidatingAdmissionPolicies and bindings (and their params) that each commit must pass; read from the commit itself, never applied.',
        ),
      fromCluster: z
        .boolean()
        .default(true)
        .describe(
          'Also evaluate the policies installed in the cluster, so a refusal names the file and field.',
        ),
    })
    .optional()
    .describe('Admission policies checked before anything of a commit is applied. None unless given.'),
  verify: SignatureVerification.optional(),
});
export type GitSourceSpec = z.infer<typeof GitSourceSpec>;

const CommitInfo = z.object({
  sha: z.string().max(64),
  shortSha: z.string().max(12),
  author: z.string().max(256),
  subject: z.string().max(1024),
  committedAt: z.string().max(64).optional(),
});

const ProblemStatus = z.object({
  file: z.string(),
  line: z.int32(),
  col: z.int32(),
  severity: z.enum(['error', 'warning']),
  object: z.string(),
  path: z.string(),
  message: z.string(),
});

export const GitSourceStatus = z.object({
  observedGeneration: z.number().int().optional(),
  phase: z
    .enum(['Synced', 'Progressing', 'Aborted', 'Invalid', 'Failed'])
    .optional()
    .describe(
      'Synced, Progressing (a Rollout still moving), Aborted (the andon cord), Invalid (the tip was refused) or Failed (retried with backoff).',
    ),
  message: z.string().optional(),
  conditions: z.array(Condition).optional().describe('Ready and Stalled.'),
  lastAppliedCommit: CommitInfo.optional().describe('The commit whose objects are in the cluster.'),
  lastSeenCommit: CommitInfo.optional().describe('The branch tip last fetched.'),
  appliedTree: z.string().optional().describe("Git's tree id of the path at the applied commit."),
  andon: z
    .object({
      commit: CommitInfo,
      reason: z.string().describe('Invalid, SignatureRefused or Aborted.'),
      message: z.string(),
    })
    .optional()
    .describe('The failed commit that is not retried: push a fix or a revert.'),
  problems: z.array(ProblemStatus).optional().describe('Why the tip was refused: file, line, object, field.'),
  rollouts: z
    .array(
      z.object({
        name: z.string(),
        namespace: z.string(),
        phase: z.string(),
        message: z.string().optional(),
        commit: z.string().optional(),
      }),
    )
    .optional(),
  drift: z
    .array(
      z.object({
        object: z.string(),
        paths: z.array(z.string()),
        changedBy: z.array(z.string()),
        healed: z.boolean().optional(),
      }),
    )
    .optional(),
  inventory: z
    .array(
      z.object({
        apiVersion: z.string(),
        kind: z.string(),
        namespace: z.string().optional(),
        name: z.string(),
      }),
    )
    .optional()
    .describe('Every object the applied commit created or updated; pruning deletes only from it.'),
  since: timestamp().optional().describe('When the phase or a commit last changed.'),
});
export type GitSourceStatus = z.infer<typeof GitSourceStatus>;

export const GitSource = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('GitSource'),
  metadata: ObjectMeta,
  spec: GitSourceSpec,
  status: GitSourceStatus.optional(),
});
export type GitSource = z.infer<typeof GitSource>;

import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { validateResource } from '../../src/api/validate.ts';
import type { ClusterWriter } from '../../src/controller/cluster-writer.ts';
import { reconcileRollout } from '../../src/controller/reconcile-rollout.ts';
import type { Caches } from '../../src/controller/reconcile-deps.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { lintParsed } from '../../src/lint/lint.ts';
import { parseYaml } from '../../src/lint/source.ts';
import { createLogger } from '../../src/log.ts';
import { specArbitrary, type Flavour, type Kind } from '../fuzz/spec-arbitrary.ts';

/**
 * Fuzzed manifests (test/fuzz/spec-arbitrary.ts: drawn from the CRD schemas, valid-shaped,
 * near-valid and hostile) through the offline validation, `bellwether lint`, and the reconcile
 * path (reconcileRollout over in-memory caches and writer: validation, the strategy decision, the
 * analysis runs it would create). Nothing may throw or reject; every rejection names its field.
 * The seed is printed and fixed per run by FUZZ_SEED (default: random).
 */
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const plan: [Kind, Flavour, number][] = [
  ['Rollout', 'valid', 2500],
  ['Rollout', 'near-valid', 2500],
  ['Rollout', 'hostile', 2000],
  ['AnalysisTemplate', 'valid', 1000],
  ['AnalysisTemplate', 'near-valid', 1000],
  ['AnalysisTemplate', 'hostile', 1000],
];
const messages = new Map<string, number>();
const figures = { specs: 0, rejectedByValidation: 0, lintProblems: 0, invalidSpecStatus: 0, reconciled: 0 };
let unhandled = 0;
const onUnhandled = () => {
  unhandled++;
};
process.on('unhandledRejection', onUnhandled);

/** A field path as validation and the controller write them: `spec.x`, `spec.steps[2].y`, `metadata.name`. */
const fieldPath = /^(spec|metadata|kind|apiVersion|status)\b/;

/** A cluster in memory: the fuzzed Rollout, its Services, one template, a stable ReplicaSet. */
function world(rollout: RolloutObject, templateSpec: unknown) {
  const writes: string[] = [];
  let status: unknown;
  const caches: Caches = {
    rollout: () => rollout,
    replicaSets: () => [
      {
        metadata: {
          name: 'web-old',
          namespace: 'shop',
          labels: { 'rollouts-pod-template-hash': 'old' },
          annotations: { 'rollout.bellwether.dev/revision': '1' },
          ownerReferences: [
            {
              apiVersion: 'bellwether.dev/v1alpha1',
              kind: 'Rollout',
              name: 'web',
              uid: 'u1',
              controller: true,
            },
          ],
        },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } } },
        },
        status: { replicas: 2, readyReplicas: 2, availableReplicas: 2 },
      },
    ],
    service: (_ns, name) => ({ metadata: { name, namespace: 'shop' }, spec: { selector: { app: 'web' } } }),
    services: () => [],
    pods: () => Promise.resolve([]),
    analysisRuns: () => [],
    analysisTemplate: () => templateSpec as never,
    routingObject: () => Promise.resolve(undefined),
  };
  const writer = new Proxy({} as ClusterWriter, {
    get:
      (_t, method: string) =>
      (...args: unknown[]) => {
        writes.push(method);
        if (method === 'patchRolloutStatus') {
          status = args[3];
          return Promise.resolve({
            ...rollout,
            metadata: Object.assign({}, rollout.metadata, { resourceVersion: '2' }),
            status,
          });
        }
        if (method === 'createReplicaSet') return Promise.resolve(args[1]);
        return Promise.resolve({});
      },
  });
  return { caches, writer, writes, status: () => status as { message?: string; phase?: string } | undefined };
}

const log = createLogger('error');

async function reconcile(obj: Record<string, unknown>, templateSpec: unknown) {
  const rollout = {
    ...obj,
    metadata: { name: 'web', namespace: 'shop', uid: 'u1', resourceVersion: '1', generation: 2 },
    status: { stableRS: 'old', currentPodHash: 'old', phase: 'Healthy', currentStepIndex: 0 },
  } as unknown as RolloutObject;
  const w = world(rollout, templateSpec);
  await reconcileRollout('shop', 'web', {
    caches: w.caches,
    writer: w.writer,
    now: () => 1_800_000_000_000,
    log,
  });
  figures.reconciled++;
  const message = w.status()?.message;
  if (message?.startsWith('InvalidSpec: ')) {
    figures.invalidSpecStatus++;
    const key = message.replace(/"[^"]*"/g, '"…"').slice(0, 90);
    messages.set(key, (messages.get(key) ?? 0) + 1);
    // problems are joined by '; ' (a message may itself contain '; ', never before a field path)
    for (const problem of message.slice('InvalidSpec: '.length).split(/; (?=(?:spec|metadata)[.[:])/))
      expect(problem, `InvalidSpec names no field: ${problem}`).toMatch(fieldPath);
  }
  return w.writes;
}

/** A Rollout with background analysis of template "t", mid-update: the reconcile builds an AnalysisRun from it. */
const analysisRollout = {
  apiVersion: 'bellwether.dev/v1alpha1',
  kind: 'Rollout',
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'web:2' }] },
    },
    strategy: {
      canary: { analysis: { templates: [{ templateName: 't' }] }, steps: [{ setWeight: 50 }, { pause: {} }] },
    },
  },
};

async function check(kind: Kind, obj: Record<string, unknown>) {
  figures.specs++;
  const result = validateResource(obj);
  if (!result.ok) {
    figures.rejectedByValidation++;
    for (const error of result.errors) {
      expect(error.path, `rejection names no field: ${error.message}`).toMatch(fieldPath);
      expect(error.message).toContain(error.path);
    }
  }
  const problems = lintParsed([parseYaml('fuzz.yaml', stringify(obj, { aliasDuplicateObjects: false }))]);
  for (const p of problems.filter((q) => q.severity === 'error')) {
    figures.lintProblems++;
    if (!p.message.startsWith('YAML syntax'))
      expect(p.path, `lint problem names no field: ${p.message}`).toMatch(fieldPath);
  }
  if (kind === 'Rollout')
    await reconcile(obj, { metrics: [{ name: 'm', provider: { web: { url: 'http://x' } } }] });
  else await reconcile(analysisRollout, obj.spec ?? {});
}

describe('fuzzed Rollouts and AnalysisTemplates', () => {
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    const top = [...messages].sort((a, b) => b[1] - a[1]).slice(0, 5);
    process.stderr.write(`[fuzz] most frequent InvalidSpec messages: ${JSON.stringify(top)}\n`);
    process.stderr.write(
      `[fuzz] seed ${seed}: ${JSON.stringify({ ...figures, crashes: 0, unhandledRejections: unhandled })}\n`,
    );
  });
  // FUZZ_SCALE=0.05 for a quick look; the default runs the full 10,000
  const scale = Number(process.env.FUZZ_SCALE ?? 1);
  for (const [kind, flavour, full] of plan) {
    const numRuns = Math.max(1, Math.round(full * scale));
    it(`${numRuns} ${flavour} ${kind}s: no crash, every rejection names its field`, async () => {
      await fc.assert(
        fc.asyncProperty(specArbitrary(kind, flavour), (obj) => check(kind, obj)),
        { numRuns, seed, endOnFailure: true },
      );
      expect(unhandled).toBe(0);
    }, 600_000);
  }
});

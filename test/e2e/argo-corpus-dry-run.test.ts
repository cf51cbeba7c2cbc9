import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFiles } from '../../src/lint/source.ts';
import { clients, testNamespace, type Clients } from '../support/kube.ts';
import { corpusEntries } from '../support/argo-corpus.ts';

// A sample of the Argo-style corpus through server-side dry-run creates on the real API server
// with the installed CRDs: the accepted ones are accepted; the ones refused by the schema (an
// unknown field, a bound, an exactly-one rule) are refused by the API server too, naming the
// field. Semantic refusals (InvalidSpec) are the controller's and lint's, not the server's.

const accepted = [
  'alb-ping-pong.yaml',
  'istio-subset-level.yaml',
  'istio-tls-routes.yaml',
  'nginx-stable-ingresses.yaml',
  'template-composition.yaml',
  'template-prometheus-sigv4.yaml',
  'template-web-json-body.yaml',
  'analysis-run-ttl.yaml',
];
const refusedBySchema = [
  'router-traefik.yaml',
  'provider-datadog.yaml',
  'istio-tls-port-range.yaml',
  'nginx-both-stable-fields.yaml',
];
const plurals: Record<string, string> = {
  Rollout: 'rollouts',
  AnalysisTemplate: 'analysistemplates',
  AnalysisRun: 'analysisruns',
  ClusterAnalysisTemplate: 'clusteranalysistemplates',
};

describe('Argo-style corpus on the API server (dry run)', () => {
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'argo-corpus');
  });
  afterAll(async () => {
    await ns.cleanup();
  });

  const entries = corpusEntries();
  const documents = (file: string) =>
    readYamlFiles([file]).flatMap((f) =>
      f.documents.map((d) => d.value as { kind: string; metadata: object }),
    );
  const dryRunCreate = (doc: { kind: string; metadata: object }) => {
    const plural = plurals[doc.kind] ?? '';
    const body = JSON.parse(JSON.stringify(doc)) as object;
    const common = {
      group: 'bellwether.dev',
      version: 'v1alpha1',
      plural,
      body,
      dryRun: 'All',
      fieldValidation: 'Strict',
    };
    return doc.kind === 'ClusterAnalysisTemplate'
      ? c.custom.createClusterCustomObject(common)
      : c.custom.createNamespacedCustomObject({ ...common, namespace: ns.name });
  };

  it('accepts the accepted sample and refuses the schema-refused sample naming the field', async () => {
    const byName = new Map(entries.map((e) => [basename(e.file), e]));
    for (const name of accepted) {
      const entry = byName.get(name);
      expect(entry?.expect.verdict, name).toBe('accepted');
      for (const doc of documents(entry?.file ?? '')) await dryRunCreate(doc);
    }
    for (const name of refusedBySchema) {
      const entry = byName.get(name);
      if (entry?.expect.verdict !== 'rejected') throw new Error(`${name} is not a rejected corpus entry`);
      const failure = await Promise.all(documents(entry.file).map(dryRunCreate)).then(
        () => undefined,
        (err: unknown) => err as { code?: number; body?: unknown },
      );
      // 422 for a schema or CEL failure; 400 for an unknown field under strict field validation
      expect([400, 422], name).toContain(failure?.code);
      const field = entry.expect.field.replace(/^spec\./, '');
      expect(String(failure?.body), name).toContain(field.split('.').pop() ?? field);
    }
    process.stdout.write(
      `[argo-corpus dry-run] accepted ${accepted.length}, refused ${refusedBySchema.length} of ${entries.length}\n`,
    );
  });
});

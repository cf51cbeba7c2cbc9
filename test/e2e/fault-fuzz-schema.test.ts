import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, testNamespace, type Clients } from '../support/kube.ts';
import { specArbitrary, type Flavour, type Kind } from '../fuzz/spec-arbitrary.ts';

/**
 * A sample of the fuzzed manifests (test/fuzz/spec-arbitrary.ts) through the real API server's
 * schema (server dry run of a create): no 5xx, and every 422 names the field it rejects.
 * JSON cannot carry NaN or Infinity; those become null, as any client would send them.
 */
describe('fuzzed manifests through the API server schema', () => {
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'fault-fuzz');
  });
  afterAll(async () => {
    await ns.cleanup();
  });

  it('a sample of 120: no server error, every rejection names a field', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const counts = { accepted: 0, rejected: 0, tooLarge: 0 };
    const sample: [Kind, Flavour][] = [
      ['Rollout', 'valid'],
      ['Rollout', 'near-valid'],
      ['Rollout', 'hostile'],
      ['AnalysisTemplate', 'valid'],
      ['AnalysisTemplate', 'near-valid'],
      ['AnalysisTemplate', 'hostile'],
    ];
    for (const [i, [kind, flavour]] of sample.entries()) {
      const objects = fc.sample(specArbitrary(kind, flavour), { numRuns: 20, seed: seed + i });
      for (const obj of objects) {
        const body = JSON.parse(
          JSON.stringify({ ...obj, metadata: { name: 'fuzz', namespace: ns.name } }),
        ) as object;
        const plural = kind === 'Rollout' ? 'rollouts' : 'analysistemplates';
        try {
          await c.custom.createNamespacedCustomObject({
            group: 'bellwether.dev',
            version: 'v1alpha1',
            namespace: ns.name,
            plural,
            body,
            dryRun: 'All',
          });
          counts.accepted++;
        } catch (err) {
          const code = (err as { code?: number }).code ?? 0;
          expect(code, `server error for ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(500);
          if (code === 413) {
            counts.tooLarge++;
            continue;
          }
          expect(code).toBe(422);
          counts.rejected++;
          const status = JSON.parse(String((err as { body?: unknown }).body)) as {
            details?: { causes?: { field?: string; message?: string }[] };
            message?: string;
          };
          const causes = status.details?.causes ?? [];
          expect(causes.length, status.message).toBeGreaterThan(0);
          for (const cause of causes)
            expect(cause.field ?? '', cause.message).toMatch(/^\.?(spec|metadata|<nil>)/);
        }
      }
    }
    process.stderr.write(`[fuzz-schema] seed ${seed}: ${JSON.stringify(counts)}\n`);
  });
});

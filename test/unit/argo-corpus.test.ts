/**
 * The Argo-style corpus (test/fixtures/argo-corpus/*.yaml): manifests written for these tests
 * after Argo Rollouts' examples and end-to-end manifests, with apiVersion bellwether.dev/v1alpha1.
 * Each file's first line says what it expects: `# expect: accepted`, or `# expect: rejected
 * <field path>`. Each file goes through `lintParsed`, the checks `bellwether lint` makes (schema,
 * semantics, what the routers can carry), which are the controller's spec checks too; a rejection
 * must name the field. Every *.yaml in the folder is picked up (other suites add theirs).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lintParsed } from '../../src/lint/lint.ts';
import { readYamlFiles } from '../../src/lint/source.ts';
import { corpusEntries, namesField } from '../support/argo-corpus.ts';

const entries = corpusEntries();
const counts = { accepted: 0, rejected: 0 };

describe('Argo-style corpus', () => {
  it('has at least 60 manifests', () => {
    expect(entries.length).toBeGreaterThanOrEqual(60);
  });

  for (const entry of entries) {
    const name = entry.file.split('/').pop() ?? entry.file;
    const label =
      entry.expect.verdict === 'accepted'
        ? `${name}: accepted`
        : `${name}: rejected at ${entry.expect.field}`;
    it(label, () => {
      const errors = lintParsed(readYamlFiles([entry.file])).filter((p) => p.severity === 'error');
      const text = errors.map((p) => `${p.path}: ${p.message}`).join('\n');
      if (entry.expect.verdict === 'accepted') {
        expect(errors, text).toEqual([]);
        counts.accepted++;
      } else {
        const { field } = entry.expect;
        expect(errors.length, `${name} was accepted`).toBeGreaterThan(0);
        expect(
          errors.some((p) => namesField(p, field)),
          `no error names ${field}:\n${text}`,
        ).toBe(true);
        counts.rejected++;
      }
    });
  }

  afterAll(() => {
    process.stdout.write(
      `[argo-corpus] accepted ${counts.accepted}, rejected ${counts.rejected}, total ${entries.length}\n`,
    );
  });
});

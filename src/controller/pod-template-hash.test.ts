import { describe, expect, it } from 'vitest';
import { podTemplateHash } from './pod-template-hash.ts';
import { podTemplateHashLabel } from '../kube/names.ts';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'web:1' }] },
};

describe('podTemplateHash', () => {
  it('is stable across key order and ignores its own label', () => {
    const reordered = {
      spec: template.spec,
      metadata: { labels: { app: 'web', [podTemplateHashLabel]: 'x' } },
    };
    expect(podTemplateHash(reordered)).toBe(podTemplateHash(template));
  });

  it('changes with the image and with the collision count', () => {
    const v2 = { ...template, spec: { containers: [{ name: 'web', image: 'web:2' }] } };
    expect(podTemplateHash(v2)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template));
  });

  it('keeps the hashes a running cluster already holds (an upgrade must find its ReplicaSets)', () => {
    const pinned = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:1', env: [{ name: 'A', value: 'é' }] }] },
    };
    expect(podTemplateHash(pinned)).toBe('66d847455f');
    expect(podTemplateHash(pinned, 3)).toBe('7d6859bf68');
  });

  it('uses only label-safe characters without vowels', () => {
    expect(podTemplateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});

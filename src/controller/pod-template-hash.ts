/**
 * The `rollouts-pod-template-hash` of a pod template: FNV-1a 32-bit over a canonical JSON of
 * the template (keys sorted, the hash label itself removed), encoded with the same alphabet
 * Kubernetes uses for generated names (no vowels, so a hash never spells a word). The same
 * template always gets the same hash, on any controller replica, which is what lets a restarted
 * controller find the ReplicaSets it made.
 */
import { canonicalJson } from '../../strategies/kernel/canonical-json.ts';
import { fnv1a32Value } from '../../strategies/kernel/step-hash.ts';
import { podTemplateHashLabel } from '../kube/names.ts';

const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(withoutHashLabel(template)) + (collisionCount > 0 ? String(collisionCount) : '');
  return safeEncode(String(fnv1a32Value(text)));
}

function safeEncode(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) out += alphanums.charAt(digits.charCodeAt(i) % alphanums.length);
  return out;
}

function withoutHashLabel(template: unknown): unknown {
  if (!isRecord(template) || !isRecord(template.metadata) || !isRecord(template.metadata.labels))
    return template;
  const { [podTemplateHashLabel]: _ignored, ...labels } = template.metadata.labels;
  return { ...template, metadata: { ...template.metadata, labels } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `rollouts-pod-template-hash` of a pod template: FNV-1a 32-bit over a canonical JSON of
 * the template (keys sorted, the hash label itself removed), encoded with the same alphabet
 * Kubernetes uses for generated names (no vowels, so a hash never spells a word). The same
 * template always gets the same hash, on any controller replica, which is what lets a restarted
 * controller find the ReplicaSets it made.
 */
export const podTemplateHashLabel = 'rollouts-pod-template-hash';

const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

export function podTemplateHash(template: unknown, collisionCount = 0): string {
  let hash = 0x811c9dc5;
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  };
  feed(canonicalJson(withoutHashLabel(template)));
  if (collisionCount > 0) feed(String(collisionCount));
  return safeEncode(String(hash >>> 0));
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

/** JSON with object keys sorted at every level, so key order in YAML never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${entries.join(',')}}`;
  }
  // JSON.stringify returns undefined for undefined (its type does not say so)
  return value === undefined ? 'null' : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { describe, expect, it } from 'vitest';
import { parseJsonPath, readPath } from './json-path.ts';

function read(document: unknown, path: string): unknown {
  const parsed = parseJsonPath(path);
  if (!parsed.ok) throw new Error(parsed.error);
  const lookup = readPath(document, parsed.segments);
  if (!lookup.found) throw new Error(lookup.error);
  return lookup.value;
}

function parseError(path: string): string {
  const parsed = parseJsonPath(path);
  if (parsed.ok) throw new Error(`expected '${path}' to be rejected`);
  return parsed.error;
}

function lookupError(document: unknown, path: string): string {
  const parsed = parseJsonPath(path);
  if (!parsed.ok) throw new Error(parsed.error);
  const lookup = readPath(document, parsed.segments);
  if (lookup.found) throw new Error(`expected '${path}' to miss`);
  return lookup.error;
}

const document = {
  data: { ok: true, result: [{ value: [1700000000, '0.97'] }, { value: [1700000000, '0.5'] }] },
  'weird.key': { 'a-b': 3 },
  metadata: { name: 'guestbook', labels: { 'app.kubernetes.io/name': 'demo' } },
};

describe('parseJsonPath and readPath', () => {
  it('reads Argo-style wrapped paths', () => {
    expect(read(document, '{$.data.ok}')).toBe(true);
    expect(read(document, '{ $.data.result[0].value[1] }')).toBe('0.97');
  });

  it('reads bare and $-rooted paths', () => {
    expect(read(document, '$.data.ok')).toBe(true);
    expect(read(document, 'metadata.name')).toBe('guestbook');
    expect(read(document, '.metadata.name')).toBe('guestbook');
  });

  it('reads quoted keys and negative indexes', () => {
    expect(read(document, "metadata.labels['app.kubernetes.io/name']")).toBe('demo');
    expect(read(document, `$["weird.key"]['a-b']`)).toBe(3);
    expect(read(document, '$.data.result[-1].value[1]')).toBe('0.5');
  });

  it('selects the whole document with $', () => {
    expect(read(document, '$')).toBe(document);
    expect(read(document, '{$}')).toBe(document);
  });

  it('says where a lookup stopped', () => {
    expect(lookupError(document, '$.data.missing')).toBe("$['data']['missing'] does not exist");
    expect(lookupError(document, '$.data.result[5]')).toBe(
      "$['data']['result'][5] is out of range (the list has 2 elements)",
    );
    expect(lookupError(document, '$.data.ok.deeper')).toBe(
      "$['data']['ok']['deeper'] is a key into a boolean, not an object",
    );
    expect(lookupError(document, '$.data[0]')).toBe("$['data'][0] is an index into an object, not a list");
  });

  it('rejects what selects several values, naming the column', () => {
    expect(parseError('$.data.result[*].value')).toMatch(/column 14: wildcards/);
    expect(parseError('$.data.*')).toMatch(/wildcards/);
    expect(parseError('$..value')).toMatch(/recursive descent/);
    expect(parseError('$.items[?(@.ok)]')).toMatch(/filters/);
    expect(parseError('$.items[0:2]')).toMatch(/slices and unions/);
    expect(parseError('$.items[0,1]')).toMatch(/slices and unions/);
    expect(parseError('$.a b')).toMatch(/expected \.name/);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertCommand, type ConvertIo } from './convert.ts';

const FIXTURES = 'test/fixtures/convert';
const read = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

describe('bellwether convert', () => {
  const io = (files: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const written: Record<string, string> = {};
    const value: ConvertIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      read: (path) => {
        const text = files[path];
        if (text === undefined) throw new Error('ENOENT');
        return text;
      },
      write: (path, text) => {
        written[path] = text;
      },
    };
    return { value, out, err, written };
  };

  it('exits 1 when anything was dropped, 0 with --allow-lossy, and writes -o', async () => {
    const a = io({ '-': read('argo-rollout.yaml') });
    expect(await convertCommand([], a.value)).toBe(1);
    expect(a.out.join('')).toContain('kind: Rollout');
    expect(a.err.join('')).toContain(
      'dropped: Rollout shop/rollouts-demo: spec.strategy.canary.trafficRouting.alb.servicePorts: not supported by Bellwether\n',
    );
    expect(a.err.join('')).toContain('convert: 1 field(s) dropped, 0 invalid\n');
    const b = io({ 'in.yaml': read('argo-rollout.yaml') });
    expect(await convertCommand(['in.yaml', '-o', 'out.yaml', '--allow-lossy'], b.value)).toBe(0);
    expect(b.out).toEqual([]);
    expect(b.written['out.yaml']).toContain('apiVersion: bellwether.dev/v1alpha1');
    expect(b.err.join('')).toContain('(allowed by --allow-lossy)');
  });

  it('exits 0 on a lossless conversion; invalid output is exit 1 even with --allow-lossy', async () => {
    const clean = io({
      '-': 'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  metrics:\n    - name: m\n      successCondition: len(result) > 0\n      provider: {prometheus: {address: "http://p:9090", query: up}}\n',
    });
    expect(await convertCommand(['-'], clean.value)).toBe(0);
    expect(clean.err.join('')).toContain('translated: ');
    const broken = io({
      '-': 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {}\n',
    });
    expect(await convertCommand(['--allow-lossy'], broken.value)).toBe(1);
  });

  it('names a file it cannot read', () => {
    expect(() => convertCommand(['missing.yaml'], io({}).value)).toThrow('convert: cannot read missing.yaml');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cluster/layout.ts';

interface PackageJson {
  dependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

/** Package name of a bare specifier: `@scope/name/sub` -> `@scope/name`, `tsx/esm/api` -> `tsx`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Every source file the CLI can load, from bin/bellwether.js through static and dynamic imports,
 * and every package those files import. TypeScript's own pre-processor finds the imports.
 */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('node:') || builtinModules.includes(fileName)) continue;
      if (!fileName.startsWith('.')) {
        packages.add(packageOf(fileName));
        continue;
      }
      const target = resolve(dirname(file), fileName);
      if (!existsSync(target)) throw new Error(`${relative(repoRoot, file)}: import ${fileName} not found`);
      visit(target);
    }
  };
  visit(entry);
  return { files, packages };
}

/** .dockerignore as "exclude everything, re-include these roots, exclude these globs". */
function dockerignore(): { roots: string[]; excluded: RegExp[] } {
  const lines = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && l !== '**');
  const glob = (pattern: string) =>
    new RegExp(
      '^' +
        pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '%DIRS%')
          .replace(/\*/g, '[^/]*')
          .replace(/%DIRS%/g, '(.*/)?') +
        (pattern.endsWith('/') ? '' : '$'),
    );
  return {
    roots: lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1)),
    excluded: lines.filter((l) => !l.startsWith('!')).map(glob),
  };
}

// The image (Dockerfile) installs production dependencies only and copies a few directories;
// the CLI must find everything it can import in there, or the container fails at start.
describe('the container image has what the CLI imports', () => {
  const { files, packages } = importGraph(join(repoRoot, 'bin', 'bellwether.js'));

  it('imports only production dependencies (npm ci --omit=dev)', () => {
    const dev = [...packages].filter((p) => !(p in pkg.dependencies));
    expect(dev).toEqual([]);
    expect(packages).toContain('tsx');
    expect(files.size).toBeGreaterThan(50);
  });

  it('reaches only files that .dockerignore lets into the build and the Dockerfile copies', () => {
    const { roots, excluded } = dockerignore();
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const missing = [...files]
      .map((f) => relative(repoRoot, f))
      .filter(
        (f) =>
          !roots.some((root) => f === root || f.startsWith(root)) ||
          excluded.some((pattern) => pattern.test(f)) ||
          !dockerfile.includes(`COPY ${f.split('/')[0] ?? ''} `),
      );
    expect(missing).toEqual([]);
  });

  it('the dockerignore rules do exclude tests', () => {
    const { excluded } = dockerignore();
    expect(excluded.some((p) => p.test('src/install/kustomization.test.ts'))).toBe(true);
    expect(excluded.some((p) => p.test('strategies/test-support/world.ts'))).toBe(true);
    expect(excluded.some((p) => p.test('src/install/install.ts'))).toBe(false);
  });
});

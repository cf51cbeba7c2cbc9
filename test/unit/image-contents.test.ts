import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';

interface PackageJson {
  dependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

/** Package name of a bare specifier: `@scope/name/sub` -> `@scope/name`, `js-yaml` -> `js-yaml`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Every file the CLI can load from an entry point, through static and dynamic imports, and every
 * package those files import. TypeScript's own pre-processor finds the imports.
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

// The image (Dockerfile) compiles the sources in a build stage, then installs production
// dependencies only and copies bin/ and the compiled dist/: the CLI must find everything it can
// import in there, or the container fails at start.
describe('the container image has what the CLI imports', () => {
  // bin/bellwether.js loads dist/src/cli/main.js (built by the unit project's global setup)
  const { files, packages } = importGraph(join(repoRoot, 'dist', 'src', 'cli', 'main.js'));
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

  it('imports only production dependencies (npm ci --omit=dev), and no tsx', () => {
    const dev = [...packages].filter((p) => !(p in pkg.dependencies));
    expect(dev).toEqual([]);
    expect(packages).not.toContain('tsx');
    expect(files.size).toBeGreaterThan(50);
  });

  it('runs compiled JavaScript only: every file it loads is in dist/', () => {
    const outside = [...files].map((f) => relative(repoRoot, f)).filter((f) => !f.startsWith('dist/'));
    expect(outside).toEqual([]);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).toContain('COPY bin ./bin');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/bellwether.js"\]/);
  });

  it('compiles from sources that .dockerignore lets into the build and the Dockerfile copies', () => {
    const { roots, excluded } = dockerignore();
    const missing = [...files]
      .map((f) => relative(join(repoRoot, 'dist'), f).replace(/\.js$/, '.ts'))
      .filter(
        (f) =>
          !existsSync(join(repoRoot, f)) ||
          !roots.some((root) => f === root || f.startsWith(root)) ||
          excluded.some((pattern) => pattern.test(f)) ||
          !dockerfile.includes(`COPY ${f.split('/')[0] ?? ''} `),
      );
    expect(missing).toEqual([]);
    for (const config of ['tsconfig.json', 'tsconfig.build.json']) expect(roots).toContain(config);
  });

  it('the dockerignore rules do exclude tests', () => {
    const { excluded } = dockerignore();
    expect(excluded.some((p) => p.test('src/install/kustomization.test.ts'))).toBe(true);
    expect(excluded.some((p) => p.test('strategies/test-support/world.ts'))).toBe(true);
    expect(excluded.some((p) => p.test('src/install/install.ts'))).toBe(false);
  });
});

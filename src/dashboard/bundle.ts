/**
 * Builds the dashboard's page into dist/dashboard/ with esbuild: one minified script (preact,
 * uPlot, virtual-core and the app) and one stylesheet, named by content hash, and an index.html
 * naming them. `npm run build:web` runs this file, and so does ensure-bundle.ts (in a child
 * process) when the bundle is missing or older than its sources.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDir } from './static-files.ts';

const webDir = fileURLToPath(new URL('./web/', import.meta.url));

export async function buildWeb(outDir: string = bundleDir): Promise<{ files: Record<string, number> }> {
  const esbuild = await import('esbuild').catch((err: unknown) => {
    throw new Error(`building the dashboard needs esbuild (a dev dependency: npm ci): ${String(err)}`);
  });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(webDir, 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const script = outputs.find(([file]) => file.endsWith('.js'))?.[0];
  const style = outputs.find(([file]) => file.endsWith('.css'))?.[0];
  if (!script || !style) throw new Error('dashboard build produced no script or stylesheet');
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Bellwether</title>
    <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%234f46e5'/%3E%3C/svg%3E" />
    <link rel="stylesheet" href="/assets/${basename(style)}" />
    <script type="module" src="/assets/${basename(script)}"></script>
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
  writeFileSync(join(outDir, 'index.html'), html);
  const files = Object.fromEntries([
    ...outputs.map(([file, meta]) => [basename(file), meta.bytes] as const),
    ['index.html', Buffer.byteLength(html)] as const,
  ]);
  return { files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files } = await buildWeb();
  for (const [file, bytes] of Object.entries(files)) process.stdout.write(`${file}  ${bytes} bytes\n`);
}

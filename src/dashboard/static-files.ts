import { existsSync, readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../package-root.ts';

/** Where `npm run build:web` writes the bundle (git-ignored); the same from src/ and dist/src/. */
export const bundleDir = join(packageRoot, 'dist', 'dashboard');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * The built page, read once into memory (a few hundred KiB). Hashed asset names are cached
 * forever by browsers; index.html is revalidated so a new build is picked up.
 */
export class StaticFiles {
  private readonly cache = new Map<string, { raw: Buffer; gzip: Buffer }>();

  constructor(private readonly dir: string = bundleDir) {
    if (!existsSync(join(dir, 'index.html')))
      throw new Error(`dashboard bundle missing in ${dir}: run "npm run build:web"`);
  }

  /** Serves /assets/* and, for any other page path, index.html (the page routes itself). */
  serve(path: string, acceptEncoding: string, res: ServerResponse, headers: Record<string, string>): void {
    const asset = path.startsWith('/assets/') ? path.slice(1) : 'index.html';
    const file = normalize(join(this.dir, asset));
    if (!file.startsWith(normalize(this.dir + sep)) || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...headers }).end('not found\n');
      return;
    }
    let entry = this.cache.get(file);
    if (!entry) {
      const raw = readFileSync(file);
      entry = { raw, gzip: gzipSync(raw, { level: 9 }) };
      this.cache.set(file, entry);
    }
    const gzip = /\bgzip\b/.test(acceptEncoding);
    const body = gzip ? entry.gzip : entry.raw;
    const ext = file.slice(file.lastIndexOf('.'));
    res.writeHead(200, {
      'Content-Type': types[ext] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': asset === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      ...headers,
    });
    res.end(body);
  }
}

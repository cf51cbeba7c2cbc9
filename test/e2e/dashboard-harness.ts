import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { repoRoot } from '../../tools/cluster/layout.ts';

/**
 * `bellwether dashboard` as a real process on a free port (the URL is read from its first line of
 * output), with its logs in test-results/<name>.log.
 */
export class DashboardProcess {
  private child: ChildProcess | undefined;
  url = '';

  constructor(
    private readonly name: string,
    private readonly args: string[],
  ) {}

  async start(): Promise<string> {
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    const log = createWriteStream(join(repoRoot, 'test-results', `${this.name}.log`), { flags: 'a' });
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'bellwether.js'), 'dashboard', '--addr', '127.0.0.1:0', ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stderr.pipe(log);
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /bellwether dashboard: (http:\/\/\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => {
        reject(
          new Error(
            `dashboard exited with ${String(code)} before listening (see test-results/${this.name}.log)`,
          ),
        );
      });
    });
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Debian's Chromium, headless, driven by playwright-core (no browser download), in a fresh profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  // a fresh user-data-dir per launch (playwright takes it as the persistent context's directory)
  const profile = mkdtempSync(join(tmpdir(), 'bellwether-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    // the page's CSP forbids eval; the tests' string predicates (waitForFunction) need it
    bypassCSP: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const imagesDir = join(repoRoot, 'docs', 'images');

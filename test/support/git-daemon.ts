import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { basename, dirname } from 'node:path';

/** A free loopback port (the OS picks one; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

/**
 * The real `git daemon` serving a repository over git:// on loopback, as a Git server would:
 * the sync fetches over the network protocol, not from a file path.
 */
export class GitDaemon {
  private child: ChildProcess | undefined;
  url = '';

  constructor(private readonly repoDir: string) {}

  async start(): Promise<string> {
    const port = await freePort();
    const base = dirname(this.repoDir);
    this.child = spawn(
      'git',
      [
        'daemon',
        '--reuseaddr',
        '--export-all',
        `--base-path=${base}`,
        '--listen=127.0.0.1',
        `--port=${String(port)}`,
        base,
      ],
      { stdio: 'ignore' },
    );
    this.url = `git://127.0.0.1:${String(port)}/${basename(this.repoDir)}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        execFileSync('git', ['ls-remote', this.url], { stdio: 'ignore', timeout: 10_000 });
        return this.url;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`git daemon on ${this.url} does not answer`, { cause: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}

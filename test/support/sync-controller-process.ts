import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../tools/cluster/layout.ts';

/** `bellwether sync-controller` as a real OS process, so tests can SIGKILL it between commits. */
export class SyncControllerProcess {
  private child: ChildProcess | undefined;
  readonly logFile: string;

  constructor(
    private readonly kubeconfig: string,
    private readonly name: string,
    private readonly args: string[],
  ) {
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    this.logFile = join(repoRoot, 'test-results', `${name}.log`);
  }

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin', 'bellwether.js'),
        'sync-controller',
        '--kubeconfig',
        this.kubeconfig,
        ...this.args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOSTNAME: this.name } },
    );
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill(signal);
    await exited;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../tools/cluster/layout.ts';

/**
 * A `bellwether` long-running command as a real OS process, as an operator runs it, so tests can
 * SIGKILL it mid-rollout or between commits. Its JSON logs go to test-results/<name>.log.
 */
class BellwetherProcess {
  private child: ChildProcess | undefined;
  readonly logFile: string;

  constructor(
    private readonly command: string,
    private readonly kubeconfig: string,
    private readonly name: string,
    private readonly args: string[],
    /** More environment variables (fault injection, e.g. BELLWETHER_FAULT_KILL_AFTER_STATUS_WRITE). */
    private readonly env: Record<string, string> = {},
  ) {
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    this.logFile = join(repoRoot, 'test-results', `${name}.log`);
  }

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'bellwether.js'), this.command, '--kubeconfig', this.kubeconfig, ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOSTNAME: this.name, ...this.env } },
    );
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves with the signal (or exit code) once the process has ended on its own. */
  exited(): Promise<NodeJS.Signals | number | null> {
    const child = this.child;
    if (!child) return Promise.resolve(null);
    if (child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve(child.signalCode ?? child.exitCode);
    return new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve(signal ?? code);
      });
    });
  }

  /** Sends the signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    // A process that already exited (or was killed) emits no second 'exit': do not wait for one.
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        resolve(code);
      }),
    );
    child.kill(signal);
    return exited;
  }
}

/** `bellwether controller`, on free ports for health and metrics unless the arguments name them. */
export class ControllerProcess extends BellwetherProcess {
  constructor(kubeconfig: string, name: string, extraArgs: string[] = [], env: Record<string, string> = {}) {
    super(
      'controller',
      kubeconfig,
      name,
      [
        // tests never rely on the default ports 8080/8090 being free: any free port unless given
        ...(extraArgs.includes('--health-addr') ? [] : ['--health-addr', '127.0.0.1:0']),
        ...(extraArgs.includes('--metrics-addr') ? [] : ['--metrics-addr', '127.0.0.1:0']),
        ...extraArgs,
      ],
      env,
    );
  }
}

/** `bellwether sync-controller`. */
export class SyncControllerProcess extends BellwetherProcess {
  constructor(kubeconfig: string, name: string, args: string[]) {
    super('sync-controller', kubeconfig, name, args);
  }
}

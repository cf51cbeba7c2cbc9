import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../cluster/layout.ts';

const serverScript = join(repoRoot, 'tools', 'demo-app', 'server.ts');

/** One running demo-app process: a stand-in for the pods of one ReplicaSet. */
export interface DemoAppProcess {
  readonly pid: number;
  readonly port: number;
  /** `127.0.0.1:<port>`: where requests and scrapes go. */
  readonly address: string;
  readonly logFile: string;
  /** Resolves when the process exits, whoever stopped it. */
  readonly exited: Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `tools/demo-app/server.ts` with exactly `env` (plus PATH and PORT=0: many apps share one
 * loopback interface) and resolves once it prints its port. A direct, non-detached child: Ctrl-C
 * reaches it with the test run, and it exits by itself if the test process dies.
 */
export async function startDemoAppProcess(options: {
  env: Readonly<Record<string, string>>;
  logFile: string;
  startTimeoutMs?: number;
}): Promise<DemoAppProcess> {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // One log for both streams, ended once both are closed (piping with end would end it twice).
  child.stderr.pipe(log, { end: false });
  child.once('close', () => log.end());
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  try {
    const port = await readPort(child, exited, options.startTimeoutMs ?? 30_000);
    child.stdout.pipe(log, { end: false });
    return running(child, exited, port, options.logFile);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-10).join('\n');
    throw new Error(`demo app did not start: ${err instanceof Error ? err.message : String(err)}\n${tail}`, {
      cause: err,
    });
  }
}

function readPort(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<number> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('no stdout'));
  const lines = createInterface({ input: stdout });
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no port after ${timeoutMs}ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      lines.close();
    };
    lines.once('line', (line) => {
      done();
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number' && port > 0) resolve(port);
      else reject(new Error(`expected {"port":N}, got ${line}`));
    });
    void exited.then(() => {
      done();
      reject(new Error(`exited with code ${child.exitCode ?? child.signalCode}`));
    });
  });
}

function running(child: ChildProcess, exited: Promise<void>, port: number, logFile: string): DemoAppProcess {
  const pid = child.pid ?? -1;
  return {
    pid,
    port,
    address: `127.0.0.1:${port}`,
    logFile,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import axios from 'axios';
import { freePort, isAlive, sleep } from '../cluster/processes.ts';
import { prometheusBinary } from './binary.ts';
import { fileSdTargets, prometheusConfig, type ScrapeTarget } from './config.ts';
import { forgetInstance, prometheusRoot, recordInstance, stopOrphanedPrometheus } from './instances.ts';

export type { ScrapeTarget } from './config.ts';

export interface StartPrometheusOptions {
  /** State directory (config, targets file, TSDB, log). Default: a fresh `.cluster/prometheus/<id>/`. */
  dir?: string;
  /** Scrape and rule evaluation interval. Default 1000. */
  scrapeIntervalMs?: number;
  /** Default: prometheusBinary() (Debian's package, else built once from Go modules). */
  binary?: string;
  /** How long to wait for `/-/ready`. Default 60s. */
  readyTimeoutMs?: number;
}

export interface PrometheusServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`: what an AnalysisTemplate's `prometheus.address` takes. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  /** Pid of the running server, undefined after kill() or stop(). */
  readonly pid: number | undefined;
  /** Replaces the scraped targets (file-based service discovery, picked up within a second or two). */
  setTargets(targets: readonly ScrapeTarget[]): Promise<void>;
  /** SIGKILL, as a crash would: no clean TSDB shutdown. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts again on the same port with the same data (stopping it first if it runs) and waits for ready. */
  restart(): Promise<void>;
  /** SIGTERM (SIGKILL after 10s), then deletes the TSDB; config and log stay for inspection. */
  stop(): Promise<void>;
}

/**
 * Starts a real Prometheus on 127.0.0.1 (free port, `--web.enable-lifecycle`), detached, with its
 * log in `<dir>/prometheus.log`, and waits until it is ready. Servers left behind by a crashed
 * test run are stopped first.
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = options.binary ?? (await prometheusBinary());
  if (!existsSync(binary)) throw new Error(`no Prometheus binary at ${binary}`);
  stopOrphanedPrometheus();
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const dir = options.dir ?? join(prometheusRoot, id);
  mkdirSync(dir, { recursive: true });
  const targetsFile = join(dir, 'targets.json');
  const configFile = join(dir, 'prometheus.yml');
  if (!existsSync(targetsFile)) writeFileSync(targetsFile, fileSdTargets([]));
  writeFileSync(
    configFile,
    prometheusConfig({ scrapeIntervalMs: options.scrapeIntervalMs ?? 1000, targetsFile }),
  );
  const server = new PrometheusProcess(id, binary, dir, configFile, targetsFile, await freePort());
  try {
    await server.start(options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await server.kill(); // the caller has no handle to stop a server that never became ready
    throw err;
  }
  return server;
}

class PrometheusProcess implements PrometheusServer {
  readonly url: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readyTimeoutMs = 60_000;

  constructor(
    private readonly id: string,
    private readonly binary: string,
    readonly dir: string,
    private readonly configFile: string,
    private readonly targetsFile: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.logFile = join(dir, 'prometheus.log');
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : undefined;
  }

  async start(readyTimeoutMs: number): Promise<void> {
    this.readyTimeoutMs = readyTimeoutMs;
    const log = openSync(this.logFile, 'a');
    const child = spawn(
      this.binary,
      [
        `--config.file=${this.configFile}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-lifecycle',
        '--log.level=info',
      ],
      // Detached, like the control plane: Ctrl-C on the test run must not take it down mid-test,
      // and the pid record lets the next run clean it up.
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${this.binary}`);
    child.unref();
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    recordInstance(this.id, { pid, ownerPid: process.pid, dir: this.dir });
    await this.waitUntilReady();
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (this.pid === undefined) throw new Error(`Prometheus exited while starting:\n${this.logTail()}`);
      const ready = await axios
        .get(`${this.url}/-/ready`, { timeout: 1000, validateStatus: () => true })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) return;
      await sleep(100);
    }
    throw new Error(`Prometheus not ready after ${this.readyTimeoutMs / 1000}s:\n${this.logTail()}`);
  }

  private logTail(): string {
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
  }

  async setTargets(targets: readonly ScrapeTarget[]): Promise<void> {
    // Write-then-rename: Prometheus never reads a half-written file.
    const next = `${this.targetsFile}.next`;
    await writeFile(next, fileSdTargets(targets));
    await rename(next, this.targetsFile);
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL', 0);
  }

  async restart(): Promise<void> {
    await this.terminate('SIGTERM', 10_000);
    await this.start(this.readyTimeoutMs);
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM', 10_000);
    rmSync(join(this.dir, 'data'), { recursive: true, force: true });
  }

  private async terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) {
      // Referenced while waiting: an unreferenced child alone would let a script's event loop
      // end before the exit is seen.
      this.child?.ref();
      process.kill(pid, signal);
      if (!(await this.exitedWithin(graceMs)) && isAlive(pid)) {
        process.kill(pid, 'SIGKILL');
        await this.exited;
      }
      this.child?.unref();
    }
    forgetInstance(this.id);
  }

  private exitedWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

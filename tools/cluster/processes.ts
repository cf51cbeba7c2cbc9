import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { layout } from './layout.ts';

/**
 * Starts a long-running component detached from this process (so `cluster:up` can exit and
 * leave the plane running), with stdout and stderr in `.cluster/logs/<name>.log` and its pid in
 * `.cluster/pids/<name>.pid` so `cluster:down` can stop exactly what was started.
 */
export function startDetached(name: string, command: string, args: string[]): number {
  mkdirSync(layout.logs, { recursive: true });
  mkdirSync(layout.pids, { recursive: true });
  const log = openSync(join(layout.logs, `${name}.log`), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  child.unref();
  writeFileSync(join(layout.pids, `${name}.pid`), String(child.pid));
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function recordedPids(): Map<string, number> {
  const pids = new Map<string, number>();
  if (!existsSync(layout.pids)) return pids;
  for (const file of readdirSync(layout.pids)) {
    if (!file.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(layout.pids, file), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) pids.set(file.slice(0, -'.pid'.length), pid);
  }
  return pids;
}

/** SIGTERM every recorded process, then SIGKILL what is still alive after `graceMs`. */
export async function stopAll(graceMs = 5000): Promise<string[]> {
  const pids = recordedPids();
  for (const pid of pids.values()) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ([...pids.values()].some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.values()) if (isAlive(pid)) signal(pid, 'SIGKILL');
  rmSync(layout.pids, { recursive: true, force: true });
  return [...pids.keys()];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on loopback, found by binding port 0 and releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes; the error names what was awaited. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
}

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterDir } from '../cluster/layout.ts';
import { isAlive } from '../cluster/processes.ts';

/**
 * Bookkeeping of the Prometheus servers tests start, kept under `.cluster/prometheus/`
 * (git-ignored). The servers run detached, so a test run that crashes leaves them running;
 * each has a record naming its pid, the pid of the process that owns it and its state
 * directory, and the next start stops those whose owner is gone.
 */
export const prometheusRoot = join(clusterDir, 'prometheus');
const recordsDir = join(prometheusRoot, 'pids');

export interface InstanceRecord {
  pid: number;
  ownerPid: number;
  dir: string;
}

export function recordInstance(id: string, record: InstanceRecord): void {
  mkdirSync(recordsDir, { recursive: true });
  writeFileSync(join(recordsDir, `${id}.json`), JSON.stringify(record) + '\n');
}

export function forgetInstance(id: string): void {
  rmSync(join(recordsDir, `${id}.json`), { force: true });
}

function recordedInstances(): Map<string, InstanceRecord> {
  const records = new Map<string, InstanceRecord>();
  if (!existsSync(recordsDir)) return records;
  for (const file of readdirSync(recordsDir)) {
    if (!file.endsWith('.json')) continue;
    try {
      records.set(
        file.slice(0, -'.json'.length),
        JSON.parse(readFileSync(join(recordsDir, file), 'utf8')) as InstanceRecord,
      );
    } catch {
      // half-written by a run that died mid-write: nothing to act on
      rmSync(join(recordsDir, file), { force: true });
    }
  }
  return records;
}

/**
 * True when `pid` is still the Prometheus of this record: pids are reused, so the command line
 * must name the record's state directory before anything is killed.
 */
function isThatPrometheus(record: InstanceRecord): boolean {
  if (!isAlive(record.pid)) return false;
  try {
    return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(record.dir);
  } catch {
    return false;
  }
}

/** SIGKILLs recorded servers whose owner process is gone (or all recorded servers) and forgets them. */
export function stopOrphanedPrometheus(options: { includeLiveOwners?: boolean } = {}): string[] {
  const stopped: string[] = [];
  for (const [id, record] of recordedInstances()) {
    if (!options.includeLiveOwners && isAlive(record.ownerPid)) continue;
    if (isThatPrometheus(record)) {
      process.kill(record.pid, 'SIGKILL');
      stopped.push(id);
    }
    forgetInstance(id);
  }
  return stopped;
}

/**
 * One Git source followed into one cluster. Each poll: fetch the branch tip; when it is a new
 * commit, render and validate all of it (one invalid file and nothing is applied), apply with
 * server-side apply, prune what the previous commit had and this one dropped, and record the
 * inventory. When the tip is unchanged: report the Rollouts (the andon cord) and drift, heal drift
 * when asked, and write nothing if nothing changed.
 */
import { describeError, type Logger } from '../log.ts';
import {
  applyAll,
  applyObject,
  dryRunAll,
  fieldManager,
  prepare,
  type Prepared,
  type Source,
} from './apply.ts';
import { detectDrift } from './drift.ts';
import type { Commit, GitSource } from './git.ts';
import {
  inventoryData,
  inventoryName,
  parseInventory,
  pruneSet,
  statusLine,
  type Inventory,
  type SyncStatus,
} from './inventory.ts';
import { describeRef, refOf, type KubeObject, type KubeRest } from './kube-rest.ts';
import { pruneObjects } from './prune.ts';
import { renderPath } from './render.ts';
import { appliedPhase, rolloutReport, sameStatus, withSince } from './status.ts';

export interface SyncOptions {
  /** Names the inventory ConfigMap `bellwether-sync-<name>`. */
  name: string;
  /** Where the inventory lives, and the namespace of objects that name none. */
  namespace: string;
  /** The repository as recorded in provenance (no credentials). */
  repository: string;
  branch: string;
  path: string;
  intervalMs: number;
  selfHeal: boolean;
  log: Logger;
  now?: () => number;
}

export class GitSync {
  /** The prepared objects of the applied commit, kept to check drift without re-rendering. */
  private applied: { sha: string; objects: KubeObject[] } | undefined;
  /** A tip that failed validation: not validated again until the branch moves. */
  private rejected: string | undefined;
  private wake: (() => void) | undefined;
  /** The inventory ConfigMap's data as read at the start of this poll (undefined: none yet). */
  private stored: Record<string, string> | undefined;
  private loggedDrift = '[]';
  private triggered = false;

  constructor(
    private readonly rest: KubeRest,
    private readonly git: GitSource,
    private readonly options: SyncOptions,
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** One poll; returns the status as recorded. */
  async poll(): Promise<SyncStatus> {
    const inventory = await this.readInventory();
    let commit: Commit;
    try {
      commit = await this.git.fetch();
    } catch (err) {
      return this.record(inventory, { phase: 'Failed', message: describeError(err) });
    }
    const applied = inventory.status?.applied;
    if (commit.sha === this.rejected)
      return inventory.status ?? this.record(inventory, { phase: 'Invalid', message: '' });
    if (applied && commit.sha === applied.sha) return this.observe(inventory, applied, commit);
    // A commit that changed nothing under the path (another app of a monorepo) is seen, not applied.
    const tree = await this.git.treeOf(commit.sha, this.options.path);
    if (applied && tree !== undefined && tree === inventory.status?.appliedTree) {
      return this.observe(inventory, applied, commit);
    }
    return this.applyCommit(inventory, commit, tree);
  }

  private base(inventory: Inventory, commit: Commit | undefined) {
    return {
      repository: this.options.repository,
      branch: this.options.branch,
      path: this.options.path,
      ...(commit ? { seen: commit } : inventory.status?.seen ? { seen: inventory.status.seen } : {}),
      ...(inventory.status?.applied ? { applied: inventory.status.applied } : {}),
    };
  }

  private async applyCommit(
    inventory: Inventory,
    commit: Commit,
    tree: string | undefined,
  ): Promise<SyncStatus> {
    const short = commit.sha.slice(0, 7);
    const source: Source = { repository: this.options.repository, path: this.options.path, commit };
    let prepared: Prepared[];
    try {
      const rendered = await renderPath(this.git.dir, this.options.path);
      let problems = rendered.problems.filter((p) => p.severity === 'error');
      const options = { namespace: this.options.namespace, syncName: this.options.name, source };
      const ready = problems.length === 0 ? await prepare(this.rest, rendered.manifests, options) : undefined;
      problems = ready ? ready.problems : problems;
      if (ready && problems.length === 0) problems = await dryRunAll(this.rest, ready.prepared);
      if (!ready || problems.length > 0) {
        this.rejected = commit.sha;
        const first = problems[0];
        const where = first
          ? `${first.file}:${String(first.line)}: ${[first.object, first.path, first.message].filter(Boolean).join(': ')}`
          : '';
        const message = `commit ${short} not applied: ${String(problems.length)} problem(s); ${where}`;
        return await this.record(inventory, {
          ...this.base(inventory, commit),
          phase: 'Invalid',
          message,
          problems,
        });
      }
      prepared = ready.prepared;
      await applyAll(this.rest, prepared);
    } catch (err) {
      return this.record(inventory, {
        ...this.base(inventory, commit),
        phase: 'Failed',
        message: `commit ${short}: ${describeError(err)}`,
      });
    }
    this.rejected = undefined;
    const objects = prepared.map((p) => p.object);
    const refs = objects.map(refOf);
    const pruned = await pruneObjects(this.rest, pruneSet(inventory.objects, refs), this.options.name);
    this.applied = { sha: commit.sha, objects };
    this.options.log.info('applied commit', {
      commit: short,
      objects: objects.length,
      pruned: pruned.deleted,
      ...(pruned.skipped.length > 0 ? { notPruned: pruned.skipped } : {}),
    });
    const next: Inventory = { objects: refs, ...(inventory.status ? { status: inventory.status } : {}) };
    return this.observe(next, commit, commit, tree ?? null);
  }

  /**
   * Rollout outcomes and drift of the applied commit; writes only what changed. `newTree` is set
   * right after an apply (null: the path's tree is not tracked, e.g. a kustomization).
   */
  private async observe(
    inventory: Inventory,
    commit: Commit,
    seen: Commit,
    newTree?: string | null,
  ): Promise<SyncStatus> {
    const justApplied = newTree !== undefined;
    const tree = justApplied ? (newTree ?? undefined) : inventory.status?.appliedTree;
    const rollouts = [];
    for (const ref of inventory.objects.filter(
      (r) => r.kind === 'Rollout' && r.apiVersion.startsWith('bellwether.dev/'),
    )) {
      const live = await this.rest.get(ref);
      if (live) rollouts.push(rolloutReport(live, commit.sha));
    }
    const { phase, message } = appliedPhase(commit, rollouts);
    const drift = justApplied ? [] : await this.checkDrift(commit);
    return this.record(inventory, {
      ...this.base(inventory, seen),
      applied: commit,
      ...(tree !== undefined ? { appliedTree: tree } : {}),
      phase,
      message: drift.length > 0 ? `${message}; drift: ${drift.map((d) => d.object).join(', ')}` : message,
      rollouts,
      ...(drift.length > 0 ? { drift } : {}),
    });
  }

  private async checkDrift(commit: Commit) {
    if (this.applied?.sha !== commit.sha) {
      // A restarted sync: the work tree holds the applied commit, render it again (no writes).
      const rendered = await renderPath(this.git.dir, this.options.path);
      const source: Source = { repository: this.options.repository, path: this.options.path, commit };
      const options = { namespace: this.options.namespace, syncName: this.options.name, source };
      const { prepared } = await prepare(this.rest, rendered.manifests, options);
      this.applied = { sha: commit.sha, objects: prepared.map((p) => p.object) };
    }
    const { reports, drifted } = await detectDrift(this.rest, this.applied.objects, (o) =>
      applyObject(this.rest, o, true),
    );
    const key = JSON.stringify(reports);
    // Logged when the drift changes, not on every poll; the status always carries it.
    if (key !== this.loggedDrift && drifted.length > 0) {
      this.options.log.warn('drift: objects changed outside Git', { drift: reports });
    }
    this.loggedDrift = key;
    if (drifted.length === 0) return [];
    if (!this.options.selfHeal) return reports;
    const healed = new Set<string>();
    for (const object of drifted) {
      try {
        await applyObject(this.rest, object);
        healed.add(describeRef(refOf(object)));
      } catch (err) {
        this.options.log.warn('self-heal failed', {
          object: describeRef(refOf(object)),
          error: describeError(err),
        });
      }
    }
    this.options.log.info('self-heal: applied Git again', { objects: [...healed] });
    return reports.map((r) => (healed.has(r.object) ? { ...r, healed: true } : r));
  }

  private async readInventory(): Promise<Inventory> {
    const configMap = await this.rest.get(this.inventoryRef());
    this.stored = configMap ? ((configMap.data ?? {}) as Record<string, string>) : undefined;
    return parseInventory(this.stored);
  }

  private inventoryRef() {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: this.options.namespace,
      name: inventoryName(this.options.name),
    };
  }

  /** Writes the inventory and status when either changed; logs the status line when it changed. */
  private async record(
    inventory: Inventory,
    next: Omit<SyncStatus, 'since'> | Pick<SyncStatus, 'phase' | 'message'>,
  ): Promise<SyncStatus> {
    const full: Omit<SyncStatus, 'since'> = { ...this.base(inventory, undefined), ...next };
    const status = withSince(inventory.status, full, this.now);
    const data = inventoryData({ objects: inventory.objects, status });
    if (this.stored?.objects === data.objects && sameStatus(inventory.status, status)) {
      return inventory.status ?? status;
    }
    const applied = status.applied;
    await this.rest.request(
      'PATCH',
      `/api/v1/namespaces/${this.options.namespace}/configmaps/${inventoryName(this.options.name)}`,
      {
        query: { fieldManager, force: 'true' },
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: inventoryName(this.options.name),
            namespace: this.options.namespace,
            labels: { 'app.kubernetes.io/managed-by': 'bellwether-sync' },
            ...(applied
              ? {
                  annotations: {
                    'bellwether.dev/source-repository': this.options.repository,
                    'bellwether.dev/source-path': this.options.path,
                    'bellwether.dev/source-revision': applied.sha,
                    'bellwether.dev/sync-phase': status.phase,
                  },
                }
              : {}),
          },
          data,
        },
      },
    );
    this.options.log.info(statusLine(status), { phase: status.phase });
    return status;
  }

  /** Polls until `signal` aborts: every interval, at once on trigger(), backing off on failure. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      this.triggered = false;
      try {
        const status = await this.poll();
        failures = status.phase === 'Failed' ? failures + 1 : 0;
      } catch (err) {
        failures++;
        this.options.log.error('poll failed', { error: describeError(err) });
      }
      const backoff = Math.min(this.options.intervalMs * 2 ** Math.max(0, failures - 1), 5 * 60_000);
      await this.sleep(
        failures > 0 ? Math.max(backoff, this.options.intervalMs) : this.options.intervalMs,
        signal,
      );
    }
  }

  /** An immediate poll (the webhook): wakes the loop, or polls again right after the current one. */
  trigger(): void {
    this.triggered = true;
    this.wake?.();
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.triggered) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      this.wake = done;
    });
  }
}

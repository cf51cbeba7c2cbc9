/**
 * One Git source followed into one cluster: the same code for `bellwether sync` (state in a
 * ConfigMap) and for each GitSource of the sync controller (state in its status). Each poll:
 * fetch the branch tip; when it is a new commit, check its signature (when required), render and
 * validate all of it (schema, the policies given, allowed namespaces, ownership, a server dry
 * run; one problem and nothing is applied), apply with server-side apply, prune what the
 * previous commit had and this one dropped, and record the inventory. When the tip is unchanged:
 * report the Rollouts (the andon cord) and drift, heal drift when asked, and write nothing if
 * nothing changed.
 */
import { join } from 'node:path';
import { describeError, type Logger } from '../log.ts';
import { applyAll, applyObject, dryRunAll, prepare, type Prepared, type Source } from './apply.ts';
import { detectDrift } from './drift.ts';
import type { Commit, GitSource } from './git.ts';
import type { Problem } from '../lint/lint.ts';
import { emptyPolicySet, type PolicySet } from '../lint/admission-policy.ts';
import { mergePolicySets, readPolicyPaths } from '../lint/policy-sources.ts';
import { clusterPolicies, namespaceLabels } from './cluster-policies.ts';
import { formatObjects, pruneSet, statusLine, type Inventory, type SyncStatus } from './inventory.ts';
import { describeRef, refOf, type KubeObject, type KubeRest } from './kube-rest.ts';
import { ownershipProblems, scopeProblems } from './admission-scope.ts';
import { pruneObjects } from './prune.ts';
import { renderPath } from './render.ts';
import { verifyCommit, type SignatureTrust } from './signature.ts';
import { appliedPhase, rolloutReport, sameStatus, withSince } from './status.ts';
import type { SyncStore } from './store.ts';

export interface SyncOptions {
  /** Owner of the applied objects (`bellwether.dev/synced-by`); pruning deletes only its own. */
  name: string;
  /** The namespace of objects that name none. */
  namespace: string;
  /** The repository as recorded in provenance (no credentials). */
  repository: string;
  branch: string;
  path: string;
  intervalMs: number;
  selfHeal: boolean;
  /** Delete what the previous commit applied and this one dropped (default true). */
  prune?: boolean;
  /** Namespaces objects may be applied into; undefined: any (the CLI under the user's rights). */
  allowedNamespaces?: readonly string[];
  /** Admission policies: a directory of the repository, and/or those installed in the cluster. */
  policies?: { path?: string; fromCluster: boolean };
  /** Required signature: read per new commit (the allowed signers may change). */
  signature?: () => Promise<SignatureTrust>;
  /** Called after a status write, with the status before it (events, logs). */
  onRecorded?: (previous: SyncStatus | undefined, next: SyncStatus) => Promise<void> | void;
  log: Logger;
  now?: () => number;
}

export class GitSync {
  /** The prepared objects of the applied commit, kept to check drift without re-rendering. */
  private applied: { sha: string; objects: KubeObject[] } | undefined;
  /** A tip that failed validation: not validated again until the branch moves. */
  private rejected: string | undefined;
  private wake: (() => void) | undefined;
  /** Whether the store held anything at the start of this poll (nothing: the first write is due). */
  private recorded = false;
  /** What the store held at the start of this poll. */
  private stored: Inventory | undefined;
  private loggedDrift = '[]';
  private triggered = false;

  constructor(
    private readonly rest: KubeRest,
    private readonly git: GitSource,
    private readonly store: SyncStore,
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
    const current = this.store.outdated !== true;
    if (applied && current && commit.sha === applied.sha) return this.observe(inventory, applied, commit);
    // A commit that changed nothing under the path (another app of a monorepo) is seen, not applied.
    const tree = await this.git.treeOf(commit.sha, this.options.path);
    if (applied && current && tree !== undefined && tree === inventory.status?.appliedTree) {
      return this.observe(inventory, applied, commit);
    }
    if (this.options.signature) {
      const refused = await this.signatureProblem(commit);
      if (refused) return this.reject(inventory, commit, [refused]);
    }
    return this.applyCommit(inventory, commit, tree);
  }

  /** The signature as a problem (`signature: the commit is not signed`), or undefined when allowed. */
  private async signatureProblem(commit: Commit): Promise<Problem | undefined> {
    const problem = (message: string): Problem => ({
      file: '',
      line: 0,
      col: 0,
      severity: 'error',
      object: `commit ${commit.sha.slice(0, 7)}`,
      path: 'signature',
      message,
    });
    try {
      const trust = await this.options.signature?.();
      if (!trust) return undefined;
      const verified = await verifyCommit(this.git, commit.sha, trust);
      if (verified.ok) {
        this.options.log.info('signature verified', {
          commit: commit.sha.slice(0, 7),
          signer: verified.signer,
        });
        return undefined;
      }
      return problem(verified.reason);
    } catch (err) {
      return problem(`cannot be verified: ${describeError(err)}`);
    }
  }

  /** Refuses the tip: nothing of it is applied, and it is not validated again until the branch moves. */
  private reject(inventory: Inventory, commit: Commit, problems: Problem[]): Promise<SyncStatus> {
    this.rejected = commit.sha;
    const first = problems[0];
    const at = first && first.file !== '' ? `${first.file}:${String(first.line)}: ` : '';
    const where = first ? `${at}${[first.object, first.path, first.message].filter(Boolean).join(': ')}` : '';
    const message = `commit ${commit.sha.slice(0, 7)} not applied: ${String(problems.length)} problem(s); ${where}`;
    return this.record(inventory, { ...this.base(inventory, commit), phase: 'Invalid', message, problems });
  }

  /** The policies a commit must pass: from the checked-out commit itself, and from the cluster. */
  private async policySet(): Promise<{ set: PolicySet; problems: Problem[] }> {
    const wanted = this.options.policies;
    if (!wanted) return { set: emptyPolicySet, problems: [] };
    const fromRepo = wanted.path
      ? readPolicyPaths([join(this.git.dir, wanted.path)])
      : { set: emptyPolicySet, problems: [] };
    const relative = (problems: Problem[]) =>
      problems.map((p) => ({
        ...p,
        file: p.file.startsWith(this.git.dir) ? p.file.slice(this.git.dir.length + 1) : p.file,
      }));
    const fromCluster = wanted.fromCluster ? await clusterPolicies(this.rest) : emptyPolicySet;
    return { set: mergePolicySets(fromRepo.set, fromCluster), problems: relative(fromRepo.problems) };
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
      const policies = await this.policySet();
      const namespaces = [this.options.namespace, ...(this.options.allowedNamespaces ?? [])];
      const labels = await namespaceLabels(this.rest, namespaces);
      const rendered = await renderPath(this.git.dir, this.options.path, {
        policies: policies.set,
        namespace: this.options.namespace,
        namespaceLabels: (ns) => labels.get(ns),
      });
      let problems = [...policies.problems, ...rendered.problems.filter((p) => p.severity === 'error')];
      const options = { namespace: this.options.namespace, syncName: this.options.name, source };
      const ready = problems.length === 0 ? await prepare(this.rest, rendered.manifests, options) : undefined;
      problems = ready ? ready.problems : problems;
      if (ready && problems.length === 0)
        problems = scopeProblems(ready.prepared, this.options.allowedNamespaces);
      if (ready && problems.length === 0)
        problems = await ownershipProblems(this.rest, ready.prepared, this.options.name);
      if (ready && problems.length === 0) problems = await dryRunAll(this.rest, ready.prepared);
      if (!ready || problems.length > 0) return await this.reject(inventory, commit, problems);
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
    const pruned =
      this.options.prune === false
        ? { deleted: [], skipped: [] }
        : await pruneObjects(this.rest, pruneSet(inventory.objects, refs), this.options.name);
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
    const stored = await this.store.read();
    this.recorded = stored !== undefined;
    this.stored = stored;
    return stored ?? { objects: [] };
  }

  /** Writes the inventory and status when either changed; logs the status line when it changed. */
  private async record(
    inventory: Inventory,
    next: Omit<SyncStatus, 'since'> | Pick<SyncStatus, 'phase' | 'message'>,
  ): Promise<SyncStatus> {
    const full: Omit<SyncStatus, 'since'> = { ...this.base(inventory, undefined), ...next };
    const status = withSince(inventory.status, full, this.now);
    const previous = this.stored;
    const unchanged =
      this.recorded &&
      this.store.outdated !== true &&
      previous !== undefined &&
      formatObjects(previous.objects) === formatObjects(inventory.objects) &&
      sameStatus(previous.status, status);
    if (unchanged) return inventory.status ?? status;
    await this.store.write({ objects: inventory.objects, status });
    this.options.log.info(statusLine(status), { phase: status.phase });
    await this.options.onRecorded?.(previous?.status, status);
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

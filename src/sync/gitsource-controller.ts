/**
 * The sync controller: one `GitSync` worker per GitSource in the cluster (or in one namespace),
 * each polling its repository on its own interval, its state in the GitSource's status. An
 * informer on GitSources starts a worker for a new one, restarts it when the spec changes (a new
 * generation) and stops it when the GitSource is deleted (its objects stay). `trigger()` makes
 * one GitSource poll at once (the webhook). Everything the worker knows comes back from the
 * status, so a killed controller resumes with no duplicate apply and no lost commit.
 */
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject, KubernetesListObject } from '@kubernetes/client-node';
import { GitSourceSpec } from '../api/gitsource.ts';
import { issuesToErrors } from '../api/validate.ts';
import { ResilientInformer } from '../kube/informer.ts';
import { describeError, type Logger } from '../log.ts';
import { keyOf, secretCredentials } from './credentials.ts';
import { displayUrl, GitSource } from './git.ts';
import { GitSourceStore } from './gitsource-store.ts';
import type { KubeRest } from './kube-rest.ts';
import { syncEvents } from './sync-events.ts';
import { GitSync } from './sync-loop.ts';
import { durationMs } from '../../strategies/kernel/duration.ts';

interface GitSourceObject extends KubernetesObject {
  spec?: unknown;
}

interface Worker {
  generation: number | undefined;
  stop: AbortController;
  sync: GitSync | undefined;
  done: Promise<void>;
}

export interface GitSourceControllerOptions {
  /** Watch one namespace; undefined: all. */
  namespace?: string;
  /** Work trees live under it, one directory per GitSource. */
  workdir: string;
  log: Logger;
  now?: () => number;
}

/** The sync name (`bellwether.dev/synced-by`) of a GitSource: unique in the cluster. */
export function syncNameOf(namespace: string, name: string): string {
  return `gitsource.${namespace}.${name}`;
}

export class GitSourceController {
  private readonly workers = new Map<string, Worker>();
  private informer: ResilientInformer<GitSourceObject> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly rest: KubeRest,
    private readonly options: GitSourceControllerOptions,
  ) {}

  async start(): Promise<void> {
    const ns = this.options.namespace;
    const path = ns
      ? `/apis/bellwether.dev/v1alpha1/namespaces/${ns}/gitsources`
      : '/apis/bellwether.dev/v1alpha1/gitsources';
    this.informer = new ResilientInformer<GitSourceObject>(
      this.kc,
      {
        name: 'gitsources',
        path,
        list: () => this.rest.request<KubernetesListObject<GitSourceObject>>('GET', path),
      },
      (obj) => {
        this.reconcile(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      },
      this.options.log,
    );
    await this.informer.start();
    for (const obj of this.informer.list())
      this.reconcile(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
  }

  /** Makes one GitSource poll now; false when there is no such GitSource. */
  trigger(namespace: string, name: string): boolean {
    const worker = this.workers.get(`${namespace}/${name}`);
    if (!worker) return false;
    worker.sync?.trigger();
    return true;
  }

  /** The branch of a GitSource (for the webhook's push-payload check); undefined when unknown. */
  branchOf(namespace: string, name: string): string | undefined {
    if (!this.workers.has(`${namespace}/${name}`)) return undefined;
    const spec = GitSourceSpec.safeParse(this.informer?.get(name, namespace)?.spec ?? {});
    return spec.success ? spec.data.branch : 'main';
  }

  private reconcile(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const obj = this.informer?.get(name, namespace);
    const worker = this.workers.get(key);
    const generation = obj?.metadata?.generation;
    if (worker && obj && worker.generation === generation) return;
    if (worker) {
      worker.stop.abort();
      this.workers.delete(key);
      this.options.log.info(
        obj ? 'GitSource changed: restarting its sync' : 'GitSource deleted: sync stopped',
        {
          gitsource: key,
        },
      );
    }
    if (!obj) return;
    const stop = new AbortController();
    const next: Worker = { generation, stop, sync: undefined, done: Promise.resolve() };
    // The previous worker finishes its poll first: two polls of one source never overlap.
    const previous = worker?.done ?? Promise.resolve();
    next.done = previous.then(() => this.run(namespace, name, obj, next));
    this.workers.set(key, next);
  }

  /** One worker's life: read the credentials (retrying), then poll until stopped. */
  private async run(namespace: string, name: string, obj: GitSourceObject, worker: Worker): Promise<void> {
    const log = this.options.log.with({ gitsource: `${namespace}/${name}` });
    const signal = worker.stop.signal;
    const parsed = GitSourceSpec.safeParse(obj.spec ?? {});
    if (!parsed.success) {
      // The CRD's schema makes this rare (a GitSource written before an upgrade).
      const errors = issuesToErrors(obj.spec, parsed.error.issues).map((e) => `spec.${e.path}: ${e.detail}`);
      log.error('invalid GitSource spec', { errors });
      await this.rest
        .request('PATCH', `/apis/bellwether.dev/v1alpha1/namespaces/${namespace}/gitsources/${name}/status`, {
          body: {
            status: {
              phase: 'Failed',
              message: `invalid spec: ${errors.join('; ')}`,
              observedGeneration: obj.metadata?.generation,
            },
          },
          contentType: 'application/merge-patch+json',
        })
        .catch((err: unknown) => {
          log.warn('status not written', { error: describeError(err) });
        });
      return;
    }
    const spec = parsed.data;
    const intervalMs = durationMs(spec.interval) ?? 60_000;
    const targetNamespace = spec.targetNamespace ?? namespace;
    const repository = displayUrl(spec.url);
    const store = new GitSourceStore(
      this.rest,
      { namespace, name },
      { repository, branch: spec.branch, path: spec.path, generation: obj.metadata?.generation },
    );
    let failures = 0;
    while (!signal.aborted) {
      try {
        const credentials = spec.secretRef
          ? await secretCredentials(this.rest, namespace, spec.secretRef.name, 'spec.secretRef')
          : {};
        const git = new GitSource({
          url: spec.url,
          branch: spec.branch,
          workdir: join(this.options.workdir, namespace, name),
          credentials,
        });
        const verify = spec.verify;
        worker.sync = new GitSync(this.rest, git, store, {
          name: syncNameOf(namespace, name),
          namespace: targetNamespace,
          repository,
          branch: spec.branch,
          path: spec.path,
          intervalMs,
          selfHeal: spec.selfHeal,
          prune: spec.prune,
          allowedNamespaces: spec.allowedNamespaces ?? [targetNamespace],
          policies: {
            ...(spec.policies?.path ? { path: spec.policies.path } : {}),
            fromCluster: spec.policies?.fromCluster ?? true,
          },
          ...(verify
            ? {
                signature: async () => ({
                  format: verify.format,
                  allowedSigners: verify.secretRef
                    ? await keyOf(this.rest, 'Secret', namespace, verify.secretRef, 'spec.verify.secretRef')
                    : await keyOf(
                        this.rest,
                        'ConfigMap',
                        namespace,
                        verify.configMapRef ?? { name: '', key: '' },
                        'spec.verify.configMapRef',
                      ),
                }),
              }
            : {}),
          onRecorded: async (previous, next) => {
            for (const event of syncEvents(previous, next)) {
              await store.event(event, (this.options.now ?? Date.now)()).catch((err: unknown) => {
                log.warn('event not recorded', { reason: event.reason, error: describeError(err) });
              });
            }
          },
          log,
          ...(this.options.now ? { now: this.options.now } : {}),
        });
        await worker.sync.run(signal);
        return;
      } catch (err) {
        failures++;
        const retryInMs = Math.min(intervalMs * 2 ** (failures - 1), 5 * 60_000);
        log.warn('sync cannot start; retrying', { error: describeError(err), retryInMs });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryInMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
    for (const worker of this.workers.values()) worker.stop.abort();
    await Promise.all([...this.workers.values()].map((w) => w.done));
    this.workers.clear();
  }
}

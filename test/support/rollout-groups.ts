import { PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { RolloutGroupObject } from '../../src/controller/group/group-object.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { podTemplateHash } from '../../src/controller/pod-template-hash.ts';
import type { Clients } from './kube.ts';
import { canaryRollout } from './rollouts.ts';

const group = 'bellwether.dev';
const version = 'v1alpha1';

export async function createRolloutGroup(
  c: Clients,
  namespace: string,
  name: string,
  spec: object,
): Promise<void> {
  await c.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'rolloutgroups',
    body: { apiVersion: `${group}/${version}`, kind: 'RolloutGroup', metadata: { name }, spec },
  });
}

export async function getRolloutGroup(
  c: Clients,
  namespace: string,
  name: string,
): Promise<RolloutGroupObject> {
  return (await c.custom.getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'rolloutgroups',
    name,
  })) as RolloutGroupObject;
}

/** Every Rollout of the namespace in one consistent read (a list is one etcd revision). */
export async function listRollouts(c: Clients, namespace: string): Promise<RolloutObject[]> {
  const list = (await c.custom.listNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'rollouts',
  })) as {
    items: RolloutObject[];
  };
  return list.items;
}

/** A small canary (2 pods) with a label, for group members. */
export function memberRollout(
  name: string,
  image: string,
  steps: object[],
  labels: Record<string, string> = {},
): object {
  const body = canaryRollout(name, image, { replicas: 2, strategy: { canary: { steps } } }) as {
    metadata: { name: string; labels?: Record<string, string> };
  };
  body.metadata.labels = labels;
  return body;
}

/** Has the Rollout started the version its template asks for? */
export function started(ro: RolloutObject): boolean {
  return ro.status?.currentPodHash === podTemplateHash(ro.spec.template);
}

/** Healthy on the version its template asks for. */
export function settled(ro: RolloutObject): boolean {
  const hash = podTemplateHash(ro.spec.template);
  return ro.status?.currentPodHash === hash && ro.status.stableRS === hash && ro.status.phase === 'Healthy';
}

/** Started and not yet settled: what counts against a group's maxInProgress. */
export function inProgress(ro: RolloutObject): boolean {
  return started(ro) && ro.status?.stableRS !== ro.status?.currentPodHash;
}

/**
 * Calls `sample` every `everyMs` until `done` says so (or the timeout), and returns the samples.
 * The test asserts over all of them: an invariant that must hold at every instant.
 */
export async function sampleUntil<T>(
  what: string,
  sample: () => Promise<T>,
  done: (s: T) => boolean,
  everyMs = 100,
  timeoutMs = 120_000,
): Promise<T[]> {
  const samples: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample();
    samples.push(s);
    if (done(s)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s sampling until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Changes the image of the Rollout's first container (what `bellwether set image` writes), fast. */
export async function setImage(c: Clients, namespace: string, name: string, image: string): Promise<void> {
  await c.custom.patchNamespacedCustomObject(
    {
      group,
      version,
      namespace,
      plural: 'rollouts',
      name,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}

/** `status.abort: true`: what `bellwether abort NAME` writes. */
export async function abortRollout(c: Clients, namespace: string, name: string): Promise<void> {
  await c.custom.patchNamespacedCustomObjectStatus(
    { group, version, namespace, plural: 'rollouts', name, body: { status: { abort: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * The namespace's Rollouts as a watch sees them: one list, then every change in resourceVersion
 * order, applied to an in-memory view. Reading the view costs nothing, so a test can sample it
 * every 100 ms; and since each event moves the view from one etcd revision to the next, `onChange`
 * sees every state the namespace went through (`history` keeps every version of every Rollout).
 */
export class RolloutsView {
  readonly rollouts = new Map<string, RolloutObject>();
  readonly history: RolloutObject[] = [];
  private abort: AbortController | undefined;
  private stopped = false;
  private readonly listeners: ((view: RolloutsView) => void)[] = [];

  private constructor(
    private readonly c: Clients,
    /** undefined: every namespace. */
    private readonly namespace: string | undefined,
    private readonly labelSelector: string | undefined,
  ) {}

  static async start(
    c: Clients,
    namespace: string | undefined,
    labelSelector?: string,
  ): Promise<RolloutsView> {
    const view = new RolloutsView(c, namespace, labelSelector);
    await view.connect();
    return view;
  }

  onChange(listener: (view: RolloutsView) => void): void {
    this.listeners.push(listener);
  }

  list(): RolloutObject[] {
    return [...this.rollouts.values()];
  }

  /** The Rollout `name` (of `namespace`, when the view spans several). */
  get(name: string, namespace = this.namespace): RolloutObject | undefined {
    return this.rollouts.get(`${namespace ?? ''}/${name}`);
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async connect(): Promise<void> {
    const selector = this.labelSelector === undefined ? {} : { labelSelector: this.labelSelector };
    const list = (await (this.namespace === undefined
      ? this.c.custom.listClusterCustomObject({ group, version, plural: 'rollouts', ...selector })
      : this.c.custom.listNamespacedCustomObject({
          group,
          version,
          namespace: this.namespace,
          plural: 'rollouts',
          ...selector,
        }))) as { items: RolloutObject[]; metadata: { resourceVersion: string } };
    for (const ro of list.items) this.apply('ADDED', ro);
    let resourceVersion = list.metadata.resourceVersion;
    const watch = async (): Promise<void> => {
      this.abort = await new Watch(this.c.kc).watch(
        `/apis/${group}/${version}${this.namespace === undefined ? '' : `/namespaces/${this.namespace}`}/rollouts`,
        { resourceVersion, allowWatchBookmarks: true, ...selector },
        (type: string, obj: RolloutObject) => {
          if (obj.metadata.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
          this.apply(type, obj);
        },
        // the server ends a watch now and then: go on from the last revision seen
        () => {
          if (!this.stopped) setTimeout(() => void watch(), 100);
        },
      );
    };
    await watch();
  }

  private apply(type: string, obj: RolloutObject): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    if (type === 'ADDED' || type === 'MODIFIED') this.rollouts.set(key, obj);
    else if (type === 'DELETED') this.rollouts.delete(key);
    else return;
    this.history.push(obj);
    for (const listener of this.listeners) listener(this);
  }
}

/**
 * Samples `sample()` every `everyMs` (a timer, so the interval does not grow with the cost of a
 * sample) until `done` says so; returns the samples and the mean interval actually achieved.
 */
export async function sampleEvery<T>(
  what: string,
  sample: () => T,
  done: (s: T) => boolean,
  everyMs = 100,
  timeoutMs = 180_000,
): Promise<{ samples: T[]; meanIntervalMs: number }> {
  const samples: T[] = [];
  const times: number[] = [];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const s = sample();
      samples.push(s);
      times.push(performance.now());
      const last = times.at(-1) ?? 0;
      const meanIntervalMs = times.length > 1 ? (last - (times[0] ?? 0)) / (times.length - 1) : everyMs;
      if (done(s)) {
        clearInterval(timer);
        resolve({ samples, meanIntervalMs });
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs / 1000}s sampling until ${what}`));
      }
    }, everyMs);
  });
}

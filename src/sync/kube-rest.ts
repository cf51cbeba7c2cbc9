/**
 * A small JSON client for any kind, by apiVersion and kind, with discovery. The sync sends
 * manifests exactly as written in Git: the typed client's serializer drops fields its models do
 * not know and turns timestamps into Dates, which would make applies lossy and diffs noisy.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An API error shaped like the typed client's (`code`, `body`), so describeError() reads it. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${String(code)}: ${messageOf(body)}`);
  }
}

function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    return parsed.message ?? body;
  } catch {
    return body;
  }
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
};

interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

export interface RequestOptionsExtra {
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

export class KubeRest {
  private readonly discovery = new Map<string, Map<string, ResourceInfo>>();
  /** Requests that change the cluster (not GETs, not dry runs): what "writes per poll" counts. */
  writes = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T>(method: string, path: string, extra: RequestOptionsExtra = {}): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const url = new URL(cluster.server);
    const query = new URLSearchParams(extra.query ?? {}).toString();
    const options: RequestOptions = {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname.replace(/\/$/, '')}${path}${query ? `?${query}` : ''}`,
      headers: { accept: 'application/json' },
      timeout: this.timeoutMs,
    };
    await this.kc.applyToHTTPSOptions(options);
    const body = extra.body === undefined ? undefined : JSON.stringify(extra.body);
    if (body !== undefined) {
      options.headers = {
        ...(options.headers as Record<string, string>),
        'content-type': extra.contentType ?? 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      };
    }
    if (method !== 'GET' && extra.query?.dryRun === undefined) this.writes++;
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const what = `${method} ${path}`;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = send(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${what} timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
    if (status < 200 || status >= 300) throw new KubeApiError(status, text, what);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** Plural and scope of a kind, from discovery (refreshed once on a miss: a CRD may be new). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    for (const refresh of [false, true]) {
      let kinds = this.discovery.get(apiVersion);
      if (!kinds || refresh) {
        kinds = await this.discover(apiVersion);
        this.discovery.set(apiVersion, kinds);
      }
      const info = kinds.get(kind);
      if (info) return info;
    }
    throw new Error(`the API server does not serve ${kind} in ${apiVersion} (is its CRD installed?)`);
  }

  private async discover(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const kinds = new Map<string, ResourceInfo>();
    try {
      const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
        'GET',
        path,
      );
      for (const r of list.resources) {
        if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      }
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 404)) throw err;
    }
    return kinds;
  }

  /** The URL path of one object; namespaced kinds need `ref.namespace`. */
  async objectPath(ref: ObjectRef): Promise<string> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    if (!info.namespaced) return `${base}/${info.plural}/${encodeURIComponent(ref.name)}`;
    if (!ref.namespace) throw new Error(`${ref.kind} ${ref.name} is namespaced but has no namespace`);
    return `${base}/namespaces/${encodeURIComponent(ref.namespace)}/${info.plural}/${encodeURIComponent(ref.name)}`;
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.request<KubeObject>('GET', await this.objectPath(ref));
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return undefined;
      throw err;
    }
  }
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name,
  };
}

/** `Rollout shop/web`, `Namespace shop`: how messages name an object. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

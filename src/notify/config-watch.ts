/**
 * Keeps the notifier configured from the cluster: one informer on the notifications ConfigMap
 * and one on its Secret (`<configmap>-secret`), each narrowed to that single object by a field
 * selector, so the controller reads nothing else in the namespace. Any change re-parses both.
 * The Secret's data stays in memory only and is never logged.
 */
import { CoreV1Api, type KubeConfig, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { ResilientInformer } from '../kube/informer.ts';
import type { Logger } from '../log.ts';
import type { Notifier } from './notifier.ts';

export interface NotificationObjects {
  namespace: string;
  configMap: string;
  secret: string;
}

/** `ns/name` from the --notifications-configmap flag; the Secret is `<name>-secret` beside it. */
export function notificationObjects(flag: string): NotificationObjects | undefined {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(flag);
  if (!match?.[1] || !match[3]) return undefined;
  return { namespace: match[1], configMap: match[3], secret: `${match[3]}-secret` };
}

export class NotificationConfigWatch {
  private readonly configMaps: ResilientInformer<V1ConfigMap>;
  private readonly secrets: ResilientInformer<V1Secret>;
  private seen = '';

  constructor(
    kc: KubeConfig,
    private readonly objects: NotificationObjects,
    private readonly notifier: Notifier,
    log: Logger,
  ) {
    const core = kc.makeApiClient(CoreV1Api);
    const { namespace } = objects;
    const byName = (name: string) => `metadata.name=${name}`;
    const refresh = () => {
      this.refresh();
    };
    this.configMaps = new ResilientInformer<V1ConfigMap>(
      kc,
      {
        name: 'notifications-configmap',
        path: `/api/v1/namespaces/${namespace}/configmaps`,
        fieldSelector: byName(objects.configMap),
        list: () => core.listNamespacedConfigMap({ namespace, fieldSelector: byName(objects.configMap) }),
      },
      refresh,
      log,
    );
    this.secrets = new ResilientInformer<V1Secret>(
      kc,
      {
        name: 'notifications-secret',
        path: `/api/v1/namespaces/${namespace}/secrets`,
        fieldSelector: byName(objects.secret),
        list: () => core.listNamespacedSecret({ namespace, fieldSelector: byName(objects.secret) }),
      },
      refresh,
      log,
    );
  }

  /**
   * Starts both informers and waits up to `waitMs` for their first list. Notifications are
   * optional: a namespace the controller may not read (RBAC) must not hold up reconciling, so
   * after `waitMs` the informers keep retrying in the background and configure the notifier
   * when they get through.
   */
  async start(waitMs = 10_000): Promise<void> {
    const started = Promise.all([this.secrets.start(), this.configMaps.start()]).then(() => {
      this.refresh();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([started, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  get synced(): boolean {
    return this.configMaps.synced && this.secrets.synced;
  }

  async stop(): Promise<void> {
    await Promise.all([this.configMaps.stop(), this.secrets.stop()]);
  }

  private refresh(): void {
    const { namespace, configMap, secret } = this.objects;
    const cm = this.configMaps.get(configMap, namespace);
    const sec = this.secrets.get(secret, namespace);
    // Informer events repeat (initial list, resync): re-parse only when either object changed.
    const seen = `${cm?.metadata?.resourceVersion ?? '-'}/${sec?.metadata?.resourceVersion ?? '-'}`;
    if (seen === this.seen) return;
    this.seen = seen;
    const decoded = sec?.data
      ? Object.fromEntries(
          Object.entries(sec.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        )
      : undefined;
    this.notifier.configure(cm ? (cm.data ?? {}) : undefined, decoded);
  }
}

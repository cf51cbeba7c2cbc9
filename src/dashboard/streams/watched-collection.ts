import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { ResilientInformer } from '../../kube/informer.ts';
import type { Logger } from '../../log.ts';

/**
 * A list+watch of one collection made with the signed-in user's credentials (the controller's
 * self-restarting informer), for one browser stream: every change calls `onChange`, which only
 * schedules a recomputation of the view.
 */
export function watchCollection<T extends KubernetesObject>(
  kc: KubeConfig,
  source: {
    name: string;
    path: string;
    list: () => Promise<KubernetesListObject<T>>;
    labelSelector?: string;
    fieldSelector?: string;
  },
  onChange: () => void,
  log: Logger,
): ResilientInformer<T> {
  return new ResilientInformer<T>(kc, source, onChange, log);
}

/** Calls `run` at most once per `ms`, after the last of a burst of calls (a status write is several events). */
export function coalesce(run: () => void, ms: number): { schedule: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    schedule() {
      timer ??= setTimeout(() => {
        timer = undefined;
        run();
      }, ms);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

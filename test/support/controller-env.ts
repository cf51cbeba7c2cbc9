import { afterAll, beforeAll } from 'vitest';
import { bellwether, type CliResult } from './cli.ts';
import { ControllerProcess } from './controller-process.ts';
import { useTestNamespace, withTestNamespace, type NamespaceEnv } from './kube.ts';

/** What an end-to-end test file needs: clients, its own namespace, a controller watching it. */
export interface ControllerEnv extends NamespaceEnv {
  readonly controller: ControllerProcess;
  /** `bellwether ARGS -n <namespace>` as a user runs it. */
  run(...args: string[]): Promise<CliResult>;
}

/**
 * Registers beforeAll/afterAll hooks that create a namespace and start `bellwether controller`
 * on it as a real process, and stop and delete them after the file's tests. Fields are readable
 * from inside tests (after beforeAll has run).
 */
export function useControllerEnv(
  prefix: string,
  /** More controller flags; a function when they name the test's namespace. */
  extraArgs: string[] | ((namespace: string) => string[]) = [],
): ControllerEnv {
  const env = useTestNamespace(prefix);
  let controller: ControllerProcess | undefined;
  beforeAll(() => {
    const namespace = env.namespace;
    controller = new ControllerProcess(env.kubeconfig, `controller-${namespace}`, [
      '--namespace',
      namespace,
      ...(typeof extraArgs === 'function' ? extraArgs(namespace) : extraArgs),
    ]);
    controller.start();
  });
  afterAll(async () => {
    await controller?.stop();
  });
  return withTestNamespace<Omit<ControllerEnv, keyof NamespaceEnv>>(env, {
    get controller() {
      if (!controller) throw new Error('useControllerEnv: used before beforeAll ran');
      return controller;
    },
    run: (...args: string[]) => bellwether(env.kubeconfig, [...args, '-n', env.namespace]),
  });
}

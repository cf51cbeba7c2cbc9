import { afterAll, beforeAll, inject } from 'vitest';
import { bellwether, type CliResult } from './cli.ts';
import { ControllerProcess } from './controller-process.ts';
import { clients, testNamespace, type Clients } from './kube.ts';

/** What an end-to-end test file needs: clients, its own namespace, a controller watching it. */
export interface ControllerEnv {
  readonly kubeconfig: string;
  readonly c: Clients;
  readonly namespace: string;
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
  const kubeconfig = inject('kubeconfig');
  let state:
    | { c: Clients; ns: { name: string; cleanup: () => Promise<void> }; controller: ControllerProcess }
    | undefined;
  const get = () => {
    if (!state) throw new Error('useControllerEnv: used before beforeAll ran');
    return state;
  };
  beforeAll(async () => {
    const c = clients();
    const ns = await testNamespace(c, prefix);
    const controller = new ControllerProcess(kubeconfig, `controller-${ns.name}`, [
      '--namespace',
      ns.name,
      ...(typeof extraArgs === 'function' ? extraArgs(ns.name) : extraArgs),
    ]);
    controller.start();
    state = { c, ns, controller };
  });
  afterAll(async () => {
    await state?.controller.stop();
    await state?.ns.cleanup();
  });
  return {
    kubeconfig,
    get c() {
      return get().c;
    },
    get namespace() {
      return get().ns.name;
    },
    get controller() {
      return get().controller;
    },
    run: (...args: string[]) => bellwether(kubeconfig, [...args, '-n', get().ns.name]),
  };
}

import { afterAll, beforeAll, inject } from 'vitest';
import { abortCommand, promoteCommand, setCommand } from '../../src/cli/commands/rollout-commands.ts';
import { countingWriter, kubeClusterWriter } from '../../src/controller/cluster-writer.ts';
import { Manager } from '../../src/controller/manager.ts';
import { reconcileRollout } from '../../src/controller/reconcile-rollout.ts';
import { createLogger } from '../../src/log.ts';
import { clients, testNamespace, type Clients } from './kube.ts';

// The CLI's own commands, called in the test process: `bellwether promote` and friends without
// paying a process start each (seconds on a loaded 2-core machine).
const commands = { set: setCommand, promote: promoteCommand, abort: abortCommand };

/** A test file's namespace with the controller running in the test process, its caches at hand. */
export interface InProcessController {
  readonly kubeconfig: string;
  readonly c: Clients;
  readonly namespace: string;
  /** Starts the controller (beforeAll does once; again after stop()). */
  start(): Promise<void>;
  /** Stops the controller, as a controller that is down. */
  stop(): Promise<void>;
  /** `bellwether set|promote|abort ARGS -n <namespace>`: its exit code. */
  readonly run: (command: keyof typeof commands, ...args: string[]) => Promise<number>;
  /**
   * Reconciles one Rollout `times` times from the running controller's caches through a writer
   * that counts calls: the API writes by method (`{}` when the Rollout is settled).
   */
  writesOfReconciles(rollout: string, times: number): Promise<Record<string, number>>;
}

/**
 * Registers beforeAll/afterAll hooks that create a namespace and run the controller on it in this
 * process, and stop and delete them after the file's tests. Fields are readable from inside tests
 * (after beforeAll has run).
 */
export function useInProcessController(prefix: string): InProcessController {
  const kubeconfig = inject('kubeconfig');
  let state: { c: Clients; ns: { name: string; cleanup: () => Promise<void> } } | undefined;
  let manager: Manager | undefined;
  const get = () => {
    if (!state) throw new Error('useInProcessController: used before beforeAll ran');
    return state;
  };
  const start = async () => {
    const { c, ns } = get();
    manager = new Manager({
      kc: c.kc,
      log: createLogger('warn', { component: 'controller' }),
      namespace: ns.name,
    });
    await manager.start();
  };
  const stop = async () => {
    await manager?.stop();
    manager = undefined;
  };
  beforeAll(async () => {
    const c = clients();
    state = { c, ns: await testNamespace(c, prefix) };
    await start();
  });
  afterAll(async () => {
    await stop();
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
    start,
    stop,
    run: (command, ...args) =>
      commands[command]([...args, '-n', get().ns.name, '--kubeconfig', kubeconfig], () => undefined),
    async writesOfReconciles(rollout, times) {
      if (!manager) throw new Error('writesOfReconciles: the controller is not running');
      const { c, ns } = get();
      const counted: Record<string, number> = {};
      const writer = countingWriter(kubeClusterWriter(c.kc), (method) => {
        counted[method] = (counted[method] ?? 0) + 1;
      });
      const log = createLogger('warn');
      for (let i = 0; i < times; i++)
        await reconcileRollout(ns.name, rollout, {
          caches: manager.caches,
          writer,
          now: () => Date.now(),
          log,
        });
      return counted;
    },
  };
}

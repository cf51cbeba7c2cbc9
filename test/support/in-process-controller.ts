import { afterAll, beforeAll } from 'vitest';
import { abortCommand, promoteCommand, setCommand } from '../../src/cli/commands/rollout-commands.ts';
import { countingWriter, kubeClusterWriter } from '../../src/controller/cluster-writer.ts';
import { Manager } from '../../src/controller/manager.ts';
import { reconcileRollout } from '../../src/controller/reconcile-rollout.ts';
import { createLogger } from '../../src/log.ts';
import { useTestNamespace, withTestNamespace, type NamespaceEnv } from './kube.ts';

// The CLI's own commands, called in the test process: `bellwether promote` and friends without
// paying a process start each (seconds on a loaded 2-core machine).
const commands = { set: setCommand, promote: promoteCommand, abort: abortCommand };

/** A test file's namespace with the controller running in the test process, its caches at hand. */
export interface InProcessController extends NamespaceEnv {
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
  const env = useTestNamespace(prefix);
  let manager: Manager | undefined;
  const start = async () => {
    manager = new Manager({
      kc: env.c.kc,
      log: createLogger('warn', { component: 'controller' }),
      namespace: env.namespace,
    });
    await manager.start();
  };
  const stop = async () => {
    await manager?.stop();
    manager = undefined;
  };
  beforeAll(start);
  afterAll(stop);
  return withTestNamespace<Omit<InProcessController, keyof NamespaceEnv>>(env, {
    start,
    stop,
    run: (command, ...args) =>
      commands[command]([...args, '-n', env.namespace, '--kubeconfig', env.kubeconfig], () => undefined),
    async writesOfReconciles(rollout, times) {
      if (!manager) throw new Error('writesOfReconciles: the controller is not running');
      const counted: Record<string, number> = {};
      const writer = countingWriter(kubeClusterWriter(env.c.kc), (method) => {
        counted[method] = (counted[method] ?? 0) + 1;
      });
      const log = createLogger('warn');
      for (let i = 0; i < times; i++)
        await reconcileRollout(env.namespace, rollout, {
          caches: manager.caches,
          writer,
          now: () => Date.now(),
          log,
        });
      return counted;
    },
  });
}

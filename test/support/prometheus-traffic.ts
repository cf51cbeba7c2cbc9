import { afterAll, afterEach, beforeAll } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../tools/prometheus/server.ts';
import { startSimulator, type Simulator } from '../../tools/simulator/simulator.ts';
import type { ControllerEnv } from './controller-env.ts';

/** A real Prometheus for one test file, and simulated traffic it scrapes. */
export interface PrometheusWithSimulators {
  /** Started in beforeAll (scraping every second), stopped in afterAll. */
  readonly prometheus: PrometheusServer;
  /**
   * Sends 40 requests a second to a Rollout of the file's namespace, its apps registered with the
   * Prometheus; stopped after the test (or after 5 minutes, whatever the test does).
   */
  simulate(rollout: string): Simulator;
}

/**
 * Registers the hooks that start a Prometheus for the file's tests and stop the simulators after
 * each test. Fields are readable from inside tests (after beforeAll has run).
 */
export function usePrometheusWithSimulators(env: ControllerEnv): PrometheusWithSimulators {
  let prometheus: PrometheusServer | undefined;
  const simulators: Simulator[] = [];
  const started = () => {
    if (!prometheus) throw new Error('usePrometheusWithSimulators: used before beforeAll ran');
    return prometheus;
  };
  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
  });
  afterEach(async () => {
    for (const simulator of simulators.splice(0)) await simulator.stop();
  });
  afterAll(async () => {
    await prometheus?.stop();
  });
  return {
    get prometheus() {
      return started();
    },
    simulate(rollout) {
      const simulator = startSimulator({
        kubeconfig: env.kubeconfig,
        namespace: env.namespace,
        rollout,
        requestsPerSecond: 40,
        prometheus: started(),
        maxDurationMs: 300_000,
      });
      simulators.push(simulator);
      return simulator;
    },
  };
}

import { restartApiServer } from '../cluster/plane.ts';
import type { PrometheusServer } from '../prometheus/server.ts';
import type { ControllerProcess } from '../../test/support/controller-process.ts';
import { sleep } from './retry.ts';
import type { Fault } from './scenario.ts';

export interface FaultTargets {
  controller: ControllerProcess;
  prometheus: PrometheusServer;
}

export interface FaultTally {
  kills: number;
  apiServerRestarts: number;
  prometheusRestarts: number;
}

/**
 * Carries out one fault: the controller SIGKILLed (no chance to finish a write or deliver an
 * Event) and started again after `downMs`; the kube-apiserver SIGKILLed and restarted on the same
 * etcd; Prometheus SIGKILLed and restarted on the same data.
 */
export async function inflict(fault: Fault, targets: FaultTargets, tally: FaultTally): Promise<void> {
  switch (fault.kind) {
    case 'kill-controller':
      await targets.controller.stop('SIGKILL');
      tally.kills++;
      await sleep(fault.downMs);
      targets.controller.start();
      return;
    case 'restart-apiserver':
      await restartApiServer();
      tally.apiServerRestarts++;
      return;
    case 'restart-prometheus':
      await targets.prometheus.kill();
      await targets.prometheus.restart();
      tally.prometheusRestarts++;
      return;
  }
}

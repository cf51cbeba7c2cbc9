import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { comparisonProvider } from '../../../analysis/providers/comparison.ts';
import { jobRunner } from '../../../analysis/providers/job.ts';
import { judgeProvider } from '../../../analysis/providers/judge.ts';
import { prometheusProvider } from '../../../analysis/providers/prometheus.ts';
import { webProvider } from '../../../analysis/providers/web.ts';
import { statusCode, type Logger } from '../../log.ts';
import type { ClusterWriter } from '../cluster-writer.ts';
import type { ReconcileResult } from '../reconcile-deps.ts';
import { splitKey } from '../rollout-object.ts';
import { kubeJobApi } from './kube-job-api.ts';
import { reconcileAnalysisRun, type AnalysisRunDeps } from './reconcile-analysis-run.ts';

/** Queue keys of AnalysisRuns carry this prefix; Rollout keys are plain namespace/name. */
const analysisRunKeyPrefix = 'analysisrun:';

export interface AnalysisRunControllerOptions {
  kc: KubeConfig;
  writer: ClusterWriter;
  now: () => number;
  log: Logger;
  /** The cached AnalysisRun (the process's informer). */
  run: AnalysisRunDeps['run'];
}

/**
 * The AnalysisRun controller: how one `analysisrun:` key is reconciled, with the metric providers
 * and the reads and writes the reconciler goes through. The informer that feeds its keys and the
 * workers that call it are the process wiring's (manager.ts).
 */
export class AnalysisRunController {
  private readonly deps: AnalysisRunDeps;

  constructor(options: AnalysisRunControllerOptions) {
    this.deps = analysisRunDependencies(options);
  }

  keyOf(namespace: string, name: string): string {
    return `${analysisRunKeyPrefix}${namespace}/${name}`;
  }

  owns(key: string): boolean {
    return key.startsWith(analysisRunKeyPrefix);
  }

  /** Namespace and name of an owned key. */
  runOf(key: string): { namespace: string; name: string } {
    return splitKey(key.slice(analysisRunKeyPrefix.length));
  }

  reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = this.runOf(key);
    return reconcileAnalysisRun(namespace, name, this.deps);
  }
}

/** What the AnalysisRun reconciler reads and writes through: Secrets read per reconcile, never cached. */
function analysisRunDependencies({
  kc,
  writer,
  now,
  log,
  run,
}: AnalysisRunControllerOptions): AnalysisRunDeps {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    run,
    readSecret: async (ns, name) => {
      try {
        const secret = await core.readNamespacedSecret({ namespace: ns, name });
        return Object.fromEntries(
          Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    patchRunStatus: (ns, name, rv, status) => writer.patchAnalysisRunStatus(ns, name, rv, status),
    deleteRun: async (ns, name) => {
      try {
        await writer.deleteAnalysisRun(ns, name);
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    },
    providers: {
      prometheus: prometheusProvider(),
      web: webProvider(),
      comparison: comparisonProvider(),
      judge: judgeProvider(),
    },
    jobs: jobRunner(kubeJobApi(kc)),
    now,
    log,
  };
}

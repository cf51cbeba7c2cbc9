import { resolve } from 'node:path';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { install, uninstall } from '../../install/install.ts';
import { parseDurationFlag, parseFlags, UsageError } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

const common = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  dir: { type: 'string' },
  'dry-run': { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

function commonOptions(values: { dir?: string; 'dry-run'?: string; wait?: boolean; timeout?: string }) {
  const dryRun = values['dry-run'];
  if (dryRun !== undefined && dryRun !== 'server' && dryRun !== 'none')
    throw new UsageError(
      `--dry-run: "${dryRun}" is not server or none (a client dry run would check nothing)`,
    );
  return {
    ...(values.dir === undefined ? {} : { dir: resolve(values.dir) }),
    ...(dryRun === 'server' ? { dryRun: true } : {}),
    ...(values.wait ? { wait: true } : {}),
    timeoutMs: parseDurationFlag(values.timeout ?? '2m', 'timeout'),
  };
}

/**
 * `install [--image IMAGE] [--wait] [--dry-run=server] [--dir DIR]`: server-side apply of
 * deploy/ (Namespace, CRDs, RBAC, Deployment, PDB, metrics Service) to the cluster of
 * --kubeconfig / KUBECONFIG. Running it again upgrades in place.
 */
export async function installCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...common, image: { type: 'string' } }, 'install');
  if (positionals.length > 0) throw new UsageError(`install: unexpected argument "${positionals[0] ?? ''}"`);
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const started = performance.now();
  const objects = await install(kc, {
    ...commonOptions(values),
    ...(values.image === undefined ? {} : { image: values.image }),
    progress: (line) => {
      out(line + '\n');
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const verb = values['dry-run'] === 'server' ? 'checked' : 'installed';
  out(`${verb} ${objects.length} objects on ${kc.getCurrentCluster()?.server ?? '?'} in ${seconds}s\n`);
  return 0;
}

/**
 * `uninstall [--crds] [--wait] [--dry-run=server] [--dir DIR]`: deletes what install applied.
 * CRDs stay unless --crds: deleting a CRD deletes every Rollout, AnalysisTemplate and AnalysisRun.
 */
export async function uninstallCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...common, crds: { type: 'boolean' } }, 'uninstall');
  if (positionals.length > 0)
    throw new UsageError(`uninstall: unexpected argument "${positionals[0] ?? ''}"`);
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const deleted = await uninstall(kc, {
    ...commonOptions(values),
    ...(values.crds ? { crds: true } : {}),
    progress: (line) => {
      out(line + '\n');
    },
  });
  out(`deleted ${deleted.length} objects\n`);
  if (!values.crds)
    out(
      'kept the CustomResourceDefinitions and with them every Rollout; `bellwether uninstall --crds` deletes them all\n',
    );
  return 0;
}

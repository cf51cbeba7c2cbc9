import { version } from '../version.ts';
import { describeError } from '../log.ts';
import { UsageError } from './flags.ts';

const usage = `bellwether: progressive delivery for Kubernetes

Usage: bellwether <command> [flags]

Commands:
  controller                     run the Rollout controller
  get rollout NAME [--watch]     show a Rollout: steps, weights, ReplicaSets (list all without NAME)
  list rollouts                  one line per Rollout
  promote NAME [--full]          move past the current step (--full: skip all remaining steps)
  abort NAME                     send all traffic back to stable, scale the canary down
  retry NAME                     start an aborted rollout again
  pause NAME / resume NAME       hold or release a rollout (spec.paused)
  undo NAME [--to-revision N]    put an earlier revision's template back
  restart NAME                   restart the pods (spec.restartAt)
  set image NAME C=IMAGE         change a container's image
  status NAME [--timeout 5m]     wait for the outcome: exit 0 Healthy, 1 Degraded, 2 timeout
  lint PATH... [--policies DIR]  check manifests offline (schema, CEL, references; policies when given)
  install [--image IMAGE] [--wait]  install the controller (deploy/: CRDs, RBAC, Deployment) by server-side apply
  uninstall [--crds] [--wait]    remove it; CRDs (and so every Rollout) stay unless --crds
  plan FILE | --base REF --head REF PATH  what a change does to its Rollouts (text or Markdown)
  convert [FILE|-] [-o FILE]     Argo Rollouts / Flagger manifests to Bellwether ones; reports what it drops (--allow-lossy)
  sync --repo URL [--path P]     apply a Git branch to the cluster on every commit (--once, --status)
  sync-controller                reconcile every GitSource in the cluster (the in-cluster sync)
  diff DIR | --repo URL          what applying would change in the cluster (exit 1 on differences)
  history NAME                   revisions of a Rollout: image, commit, outcome
  dashboard [--addr HOST:PORT]   the web dashboard, acting as the signed-in user (--auth kubeconfig|token)
  group get|promote|abort|retry NAME  a RolloutGroup: its stages and members; act on them together
  version                        print the version

Cluster flags (as kubectl): --kubeconfig PATH, --context NAME, -n/--namespace NS
`;

type Command = (args: string[]) => Promise<number>;

// Each command's module is imported only when that command runs: `bellwether --help` or `lint`
// then loads no Kubernetes client, and the controller none of the Git or lint code.
const rollout = () => import('./commands/rollout-commands.ts');
const install = () => import('./commands/install.ts');

const commands: Record<string, Command> = {
  controller: async (args) => (await import('./commands/controller.ts')).controllerCommand(args),
  get: async (args) => (await rollout()).getCommand(args),
  list: async (args) => (await rollout()).listCommand(args),
  promote: async (args) => (await rollout()).promoteCommand(args),
  abort: async (args) => (await rollout()).abortCommand(args),
  retry: async (args) => (await rollout()).retryCommand(args),
  pause: async (args) => (await rollout()).pauseCommand(args),
  resume: async (args) => (await rollout()).resumeCommand(args),
  undo: async (args) => (await rollout()).undoCommand(args),
  restart: async (args) => (await rollout()).restartCommand(args),
  set: async (args) => (await rollout()).setCommand(args),
  status: async (args) => (await rollout()).statusCommand(args),
  group: async (args) => (await import('./commands/group-commands.ts')).groupCommand(args),
  lint: async (args) => (await import('./commands/lint.ts')).lintCommand(args),
  install: async (args) => (await install()).installCommand(args),
  uninstall: async (args) => (await install()).uninstallCommand(args),
  plan: async (args) => (await import('./commands/plan.ts')).planCommand(args),
  convert: async (args) => (await import('./commands/convert.ts')).convertCommand(args),
  sync: async (args) => (await import('./commands/sync.ts')).syncCommand(args),
  'sync-controller': async (args) =>
    (await import('./commands/sync-controller.ts')).syncControllerCommand(args),
  diff: async (args) => (await import('./commands/diff.ts')).diffCommand(args),
  history: async (args) => (await import('./commands/history.ts')).historyCommand(args),
  dashboard: async (args) => (await import('./commands/dashboard.ts')).dashboardCommand(args),
  version: () => {
    process.stdout.write(`bellwether ${version}\n`);
    return Promise.resolve(0);
  },
};

/** A command's own usage where it has one (loaded with the command), else the overview. */
async function commandUsage(name: string): Promise<string> {
  if (name === 'controller') return (await import('./commands/controller.ts')).controllerUsage + '\n';
  if (name === 'sync') return (await import('./commands/sync.ts')).syncUsage + '\n';
  if (name === 'sync-controller')
    return (await import('./commands/sync-controller.ts')).syncControllerUsage + '\n';
  if (name === 'dashboard') return (await import('./commands/dashboard.ts')).dashboardUsage + '\n';
  return usage;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`bellwether: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(await commandUsage(name));
    return 0;
  }
  try {
    return await command(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bellwether ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`bellwether ${name}: ${describeError(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

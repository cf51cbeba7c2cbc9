import { version } from '../version.ts';
import { describeError } from '../log.ts';
import { controllerCommand, controllerUsage } from './commands/controller.ts';
import { convertCommand } from './commands/convert.ts';
import { installCommand, uninstallCommand } from './commands/install.ts';
import { lintCommand } from './commands/lint.ts';
import { planCommand } from './commands/plan.ts';
import { syncControllerCommand, syncControllerUsage } from './commands/sync-controller.ts';
import { syncCommand, syncUsage } from './commands/sync.ts';
import { historyCommand } from './commands/history.ts';
import { diffCommand } from './commands/diff.ts';
import { groupCommand } from './commands/group-commands.ts';
import {
  abortCommand,
  getCommand,
  listCommand,
  pauseCommand,
  promoteCommand,
  restartCommand,
  resumeCommand,
  retryCommand,
  setCommand,
  statusCommand,
  undoCommand,
} from './commands/rollout-commands.ts';
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
  group get|promote|abort|retry NAME  a RolloutGroup: its stages and members; act on them together
  version                        print the version

Cluster flags (as kubectl): --kubeconfig PATH, --context NAME, -n/--namespace NS
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  controller: controllerCommand,
  get: getCommand,
  list: listCommand,
  promote: promoteCommand,
  abort: abortCommand,
  retry: retryCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  undo: undoCommand,
  restart: restartCommand,
  set: setCommand,
  status: statusCommand,
  lint: lintCommand,
  install: installCommand,
  uninstall: uninstallCommand,
  plan: planCommand,
  convert: convertCommand,
  sync: syncCommand,
  'sync-controller': syncControllerCommand,
  diff: diffCommand,
  history: historyCommand,
  group: groupCommand,
  version: () => {
    process.stdout.write(`bellwether ${version}\n`);
    return Promise.resolve(0);
  },
};

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
    process.stdout.write(
      name === 'controller'
        ? controllerUsage + '\n'
        : name === 'sync'
          ? syncUsage + '\n'
          : name === 'sync-controller'
            ? syncControllerUsage + '\n'
            : usage,
    );
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

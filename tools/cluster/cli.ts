/**
 * `npm run cluster:up` / `cluster:down` / `cluster:status`: the local control plane.
 * `up` builds what is missing, starts everything on loopback (or reuses a running plane) and
 * prints how to use it.
 */
import { down, isRunning, up } from './plane.ts';
import { layout } from './layout.ts';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      await up();
      process.stdout.write(
        `Local control plane is up.\n  export KUBECONFIG=${layout.kubeconfig}\n  ${layout.kubectl} get nodes\n`,
      );
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const running = await isRunning();
      process.stdout.write(running ? `running (kubeconfig: ${layout.kubeconfig})\n` : 'not running\n');
      return running ? 0 : 1;
    }
    default:
      process.stderr.write('usage: tsx tools/cluster/cli.ts up|down|status\n');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

import { version } from '../version.ts';

const usage = `bellwether: progressive delivery for Kubernetes

Usage: bellwether <command> [flags]

Commands:
  version            print the version
`;

function main(argv: string[]): number {
  const [command] = argv;
  switch (command) {
    case 'version':
      process.stdout.write(`bellwether ${version}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`bellwether: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));

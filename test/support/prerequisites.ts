/**
 * `npm test`'s set-up step: everything the tests need that npm does not install, obtained with no
 * manual step and cached in ~/.cache/bellwether (a warm run only checks): the local control
 * plane's binaries and a Prometheus server (Debian's where installed, else built from Go modules).
 * Each first-time build prints its own progress.
 */
import { buildBinaries } from '../../tools/cluster/plane.ts';
import { prometheusBinary } from '../../tools/prometheus/binary.ts';

async function main(): Promise<void> {
  const started = Date.now();
  const plane = await buildBinaries();
  const prometheus = await prometheusBinary();
  process.stdout.write(
    `control plane binaries: ${plane}\nPrometheus: ${prometheus}\n` +
      `(ready in ${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`prerequisites: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

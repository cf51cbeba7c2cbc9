import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../cluster/layout.ts';

/** Where Debian's prometheus package puts the server. */
export const debianPrometheus = '/usr/bin/prometheus';

/**
 * The Prometheus server the tests and the demo run, found with no manual step:
 * `BELLWETHER_PROMETHEUS_BIN` when set, else Debian's package when installed, else the binary
 * tools/prometheus/build.sh builds from Go modules once (cached in ~/.cache/bellwether, its
 * progress on stderr). Concurrent callers share one build.
 */
export function prometheusBinary(): Promise<string> {
  const chosen = process.env.BELLWETHER_PROMETHEUS_BIN;
  if (chosen) {
    if (existsSync(chosen)) return Promise.resolve(chosen);
    return Promise.reject(
      new Error(`BELLWETHER_PROMETHEUS_BIN=${chosen} does not exist; unset it to use or build one`),
    );
  }
  if (existsSync(debianPrometheus)) return Promise.resolve(debianPrometheus);
  built ??= buildPrometheus().catch((err: unknown) => {
    built = undefined; // a failed build is tried again by the next caller
    throw err;
  });
  return built;
}

let built: Promise<string> | undefined;

/** Where Debian's prometheus package puts promtool. */
export const debianPromtool = '/usr/bin/promtool';

/**
 * promtool, found like the server: `BELLWETHER_PROMTOOL_BIN`, else Debian's package, else the one
 * tools/prometheus/build.sh builds beside the server it builds.
 */
export async function promtoolBinary(): Promise<string> {
  const chosen = process.env.BELLWETHER_PROMTOOL_BIN;
  if (chosen) {
    if (existsSync(chosen)) return chosen;
    throw new Error(`BELLWETHER_PROMTOOL_BIN=${chosen} does not exist; unset it to use or build one`);
  }
  if (existsSync(debianPromtool)) return debianPromtool;
  built ??= buildPrometheus().catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return join(dirname(await built), 'promtool');
}

function buildPrometheus(): Promise<string> {
  const script = join(repoRoot, 'tools', 'prometheus', 'build.sh');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const binary = out.trim().split('\n').pop();
      if (code === 0 && binary && existsSync(binary)) resolve(binary);
      else reject(new Error(`tools/prometheus/build.sh failed with exit code ${code}`));
    });
  });
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../tools/cluster/layout.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bellwether ARGS --kubeconfig K` as a user would, and returns its exit code and output. */
export function bellwether(kubeconfig: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'bellwether.js'), ...args, '--kubeconfig', kubeconfig],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real Git repository in a temporary directory, committed to with the real `git` CLI. */
export class LocalRepo {
  readonly dir = mkdtempSync(join(tmpdir(), 'bellwether-repo-'));

  constructor(branch = 'main') {
    this.git('init', '-q', '-b', branch);
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: this.dir },
    }).trim();
  }

  /**
   * Writes (string) or deletes (null) files, commits them as `author`, returns the SHA. With
   * `signingKey` (an ssh private key file) the commit is signed (gpg.format=ssh).
   */
  commit(
    files: Record<string, string | null>,
    subject: string,
    author = 'Jane Doe',
    signingKey?: string,
  ): string {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) {
        rmSync(full);
      } else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    this.git('add', '-A');
    const sign = signingKey ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${signingKey}`] : [];
    this.git(
      '-c',
      `user.name=${author}`,
      '-c',
      'user.email=dev@example.com',
      ...sign,
      'commit',
      '-q',
      ...(signingKey ? ['-S'] : []),
      '-m',
      subject,
    );
    return this.head();
  }

  /** `git revert --no-edit SHA` as `author`; returns the new SHA. */
  revert(sha: string, author = 'Jane Doe'): string {
    this.git('-c', `user.name=${author}`, '-c', 'user.email=dev@example.com', 'revert', '--no-edit', sha);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

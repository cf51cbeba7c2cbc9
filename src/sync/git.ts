/**
 * The real `git` CLI behind one small interface: fetch the tip of one branch (shallow), check it
 * out into a work tree, and read the commit's SHA, author and subject. Every call has a timeout;
 * credentials reach git through GIT_ASKPASS or an ssh key file (never the command line or the
 * URL), and every error message is masked before anyone sees it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface GitCredentials {
  username?: string;
  /** A password or token (https). */
  password?: string;
  /** A private key in OpenSSH/PEM form (ssh). */
  sshPrivateKey?: string;
}

export interface Commit {
  sha: string;
  author: string;
  subject: string;
  /** ISO time the commit was made. */
  committedAt: string;
}

export interface GitSourceOptions {
  url: string;
  branch: string;
  /** Where the work tree lives (created when missing). */
  workdir: string;
  depth?: number;
  timeoutMs?: number;
  credentials?: GitCredentials;
}

/** `https://user:token@host/x` -> `https://***@host/x`, and every secret value -> `***`. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let masked = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  for (const secret of secrets) {
    if (secret && secret.length >= 4) masked = masked.split(secret).join('***');
  }
  return masked;
}

/**
 * A URL git understands. Local paths become `file://` URLs, because git ignores `--depth` for
 * plain-path remotes; https, ssh and scp-like `user@host:repo` pass through.
 */
export function normalizeRepoUrl(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  if (/^[^/]+@[^/]+:/.test(url)) return url;
  return `file://${isAbsolute(url) ? url : resolve(url)}`;
}

/** A short label for a repository in logs and provenance: the URL without credentials. */
export function displayUrl(url: string): string {
  return maskSecrets(url, []).replace('***@', '');
}

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$BELLWETHER_GIT_USERNAME" ;;
  *) printf '%s\\n' "$BELLWETHER_GIT_PASSWORD" ;;
esac
`;

export class GitSource {
  readonly url: string;
  private readonly depth: number;
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly secrets: (string | undefined)[];
  private checkedOut: string | undefined;

  constructor(private readonly options: GitSourceOptions) {
    this.url = normalizeRepoUrl(options.url);
    this.depth = options.depth ?? 1;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    const credentials = options.credentials ?? {};
    this.secrets = [credentials.password, credentials.sshPrivateKey];
    this.env = { ...process.env, GIT_TERMINAL_PROMPT: '0', ...this.credentialEnv(credentials) };
  }

  /** The checked-out work tree. */
  get dir(): string {
    return this.options.workdir;
  }

  /** Fetches the branch tip (shallow) and checks it out when it moved. */
  async fetch(): Promise<Commit> {
    const dir = this.options.workdir;
    if (!existsSync(join(dir, '.git'))) {
      mkdirSync(dir, { recursive: true });
      await this.git(['init', '-q', dir], undefined);
    }
    const ref = `refs/bellwether/${this.options.branch}`;
    await this.git(
      [
        'fetch',
        '-q',
        '--no-tags',
        '--force',
        `--depth=${String(this.depth)}`,
        this.url,
        `+refs/heads/${this.options.branch}:${ref}`,
      ],
      dir,
    );
    const sha = (await this.git(['rev-parse', ref], dir)).trim();
    if (this.checkedOut !== sha) {
      await this.git(['-c', 'advice.detachedHead=false', 'checkout', '-q', '--force', '--detach', sha], dir);
      await this.git(['clean', '-q', '-fdx'], dir);
      this.checkedOut = sha;
    }
    const [, author = '', subject = '', committedAt = ''] = (
      await this.git(['show', '-s', '--format=%H%x00%an%x00%s%x00%cI', sha], dir)
    )
      .trim()
      .split('\0');
    return { sha, author, subject, committedAt };
  }

  /**
   * Git's tree id of `path` at `sha` (equal ids: identical content), or undefined when the path
   * holds a kustomization (it may read files outside the path) or does not exist.
   */
  async treeOf(sha: string, path: string): Promise<string | undefined> {
    const spec =
      path === '.' || path === ''
        ? `${sha}^{tree}`
        : `${sha}:${path.replace(/^\.\//, '').replace(/\/$/, '')}`;
    const tree = await this.git(['rev-parse', '--verify', '-q', spec], this.options.workdir).catch(() => '');
    if (tree.trim() === '') return undefined;
    // A file path names a blob: ls-tree fails and there is no kustomization to worry about.
    const names = await this.git(['ls-tree', '--name-only', tree.trim()], this.options.workdir).catch(
      () => '',
    );
    if (names.split('\n').some((name) => /^(kustomization\.ya?ml|Kustomization)$/.test(name)))
      return undefined;
    return tree.trim();
  }

  private credentialEnv(credentials: GitCredentials): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    if (credentials.password !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'bellwether-askpass-'));
      const script = join(dir, 'askpass.sh');
      writeFileSync(script, ASKPASS, { mode: 0o700 });
      env.GIT_ASKPASS = script;
      env.BELLWETHER_GIT_USERNAME = credentials.username ?? 'git';
      env.BELLWETHER_GIT_PASSWORD = credentials.password;
    }
    if (credentials.sshPrivateKey !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'bellwether-ssh-'));
      const key = join(dir, 'id');
      writeFileSync(
        key,
        credentials.sshPrivateKey.endsWith('\n')
          ? credentials.sshPrivateKey
          : `${credentials.sshPrivateKey}\n`,
      );
      chmodSync(key, 0o600);
      env.GIT_SSH_COMMAND = `ssh -i ${key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${join(dir, 'known_hosts')}`;
    }
    return env;
  }

  /** Runs git in the work tree with extra environment (signature checks); never rejects on exit codes. */
  exec(
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolvePromise) => {
      execFile(
        'git',
        args,
        { cwd: this.dir, env: { ...this.env, ...env }, timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolvePromise({ code, stdout, stderr: maskSecrets(stderr, this.secrets) });
        },
      );
    });
  }

  private git(args: string[], cwd: string | undefined): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      execFile(
        'git',
        args,
        { cwd, env: this.env, timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) {
            resolvePromise(stdout);
            return;
          }
          const why = err.killed
            ? `timed out after ${String(this.timeoutMs / 1000)}s`
            : stderr.trim() || err.message;
          const command = `git ${args[0] ?? ''}`;
          reject(new Error(maskSecrets(`${command} ${displayUrl(this.url)}: ${why}`, this.secrets)));
        },
      );
    });
  }

  /** Removes the work tree (tests, --once runs in a temporary directory). */
  remove(): void {
    rmSync(this.options.workdir, { recursive: true, force: true });
  }
}

/**
 * Signed commits: whether a commit carries a valid signature by one of the allowed keys, as the
 * real `git verify-commit` decides. SSH signatures use an OpenSSH allowed signers file
 * (`gpg.format=ssh`, `gpg.ssh.allowedSignersFile`); OpenPGP signatures a keyring that holds only
 * the allowed public keys (a private GNUPGHOME). `%G?` of `git log` tells the refusals apart:
 * unsigned, an unknown signer, a bad signature.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import type { GitSource } from './git.ts';

export interface SignatureTrust {
  format: 'ssh' | 'openpgp';
  /** The allowed signers file (ssh) or the armored public keys (openpgp). */
  allowedSigners: string;
}

export type Verification = { ok: true; signer: string } | { ok: false; reason: string };

function importKeys(home: string, keys: string, timeoutMs: number): Promise<void> {
  const file = join(home, 'allowed.asc');
  writeFileSync(file, keys);
  return new Promise((resolve, reject) => {
    execFile(
      'gpg',
      ['--batch', '--quiet', '--import', file],
      { env: { ...process.env, GNUPGHOME: home }, timeout: timeoutMs },
      (err, _out, stderr) => {
        if (err) reject(new Error(`gpg --import of the allowed keys: ${stderr.trim() || err.message}`));
        else resolve();
      },
    );
  });
}

/** Why `git log %G?` refused, in words. */
function refusal(code: string, key: string): string {
  switch (code) {
    case 'N':
      return 'the commit is not signed';
    case 'B':
      return 'the signature is bad (the commit was changed after signing)';
    case 'X':
    case 'Y':
      return `the signature or its key has expired${key ? ` (key ${key})` : ''}`;
    case 'R':
      return `the key is revoked${key ? ` (key ${key})` : ''}`;
    default:
      return `signed by a key that is not allowed${key ? ` (key ${key})` : ''}`;
  }
}

export async function verifyCommit(
  git: GitSource,
  sha: string,
  trust: SignatureTrust,
): Promise<Verification> {
  const dir = mkdtempSync(join(tmpdir(), 'bellwether-signers-'));
  try {
    let config: string[];
    let env: NodeJS.ProcessEnv = {};
    if (trust.format === 'ssh') {
      const file = join(dir, 'allowed_signers');
      writeFileSync(
        file,
        trust.allowedSigners.endsWith('\n') ? trust.allowedSigners : `${trust.allowedSigners}\n`,
      );
      config = ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${file}`];
    } else {
      await importKeys(dir, trust.allowedSigners, 30_000);
      config = ['-c', 'gpg.format=openpgp'];
      env = { GNUPGHOME: dir };
    }
    const verified = await git.exec([...config, 'verify-commit', sha], env);
    const shown = await git.exec([...config, 'log', '-1', '--format=%G?%x00%GS%x00%GK', sha], env);
    const [code = 'N', signer = '', key = ''] = shown.stdout.trim().split('\0');
    if (verified.code === 0 && (code === 'G' || code === 'U')) {
      return { ok: true, signer: [signer, key].filter(Boolean).join(' ') };
    }
    return { ok: false, reason: refusal(code === 'G' || code === 'U' ? 'E' : code, key) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

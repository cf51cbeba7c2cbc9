import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalRepo } from '../support/git-repo.ts';
import { displayUrl, GitSource, maskSecrets, normalizeRepoUrl } from '../../src/sync/git.ts';
import { concernsBranch, parseAddr, startWebhook, validSignature } from '../../src/sync/webhook.ts';

describe('git URLs and secrets', () => {
  it('masks credentials in URLs and secret values anywhere in a message', () => {
    const message = 'fatal: could not read from https://bot:s3cret-token@git.example/shop.git (s3cret-token)';
    expect(maskSecrets(message, ['s3cret-token'])).toBe(
      'fatal: could not read from https://***@git.example/shop.git (***)',
    );
    expect(displayUrl('https://bot:tok@git.example/shop.git')).toBe('https://git.example/shop.git');
  });

  it('turns local paths into file:// URLs (so --depth applies) and leaves remote URLs alone', () => {
    expect(normalizeRepoUrl('/srv/repo')).toBe('file:///srv/repo');
    expect(normalizeRepoUrl('https://git.example/shop.git')).toBe('https://git.example/shop.git');
    expect(normalizeRepoUrl('git@github.com:org/shop.git')).toBe('git@github.com:org/shop.git');
    expect(normalizeRepoUrl('ssh://git@host/shop.git')).toBe('ssh://git@host/shop.git');
  });
});

describe('webhook', () => {
  it('triggers on any POST except a push to another branch', () => {
    expect(concernsBranch('{"ref":"refs/heads/main"}', 'main')).toBe(true);
    expect(concernsBranch('{"ref":"refs/heads/dev"}', 'main')).toBe(false);
    expect(concernsBranch('', 'main')).toBe(true);
    expect(concernsBranch('{"zen":"ping"}', 'main')).toBe(true);
  });

  it("checks GitHub's X-Hub-Signature-256", () => {
    const body = '{"ref":"refs/heads/main"}';
    const good = `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`;
    expect(validSignature(body, 'k', good)).toBe(true);
    expect(validSignature(body, 'other', good)).toBe(false);
    expect(validSignature(body, 'k', undefined)).toBe(false);
  });

  it('serves POSTs: a poll for the branch, none for another one', async () => {
    const triggers: string[] = [];
    const server = await startWebhook('127.0.0.1:0', 'main', (reason) => triggers.push(reason), undefined);
    try {
      const { port } = server.address() as AddressInfo;
      const post = (body: string, event = 'push') =>
        fetch(`http://127.0.0.1:${String(port)}/`, {
          method: 'POST',
          body,
          headers: { 'x-github-event': event },
        });
      expect((await post('{"ref":"refs/heads/main"}')).status).toBe(202);
      expect(await (await post('{"ref":"refs/heads/dev"}')).text()).toBe('ignored: another branch\n');
      expect((await fetch(`http://127.0.0.1:${String(port)}/`)).status).toBe(405);
      expect(triggers).toEqual(['push']);
    } finally {
      server.close();
    }
  });

  it('parses HOST:PORT and :PORT', () => {
    expect(parseAddr(':9095')).toEqual({ host: '0.0.0.0', port: 9095 });
    expect(parseAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseAddr('nope')).toThrow(/HOST:PORT/);
  });
});

// Real git processes: slow on a loaded machine, hence the longer timeouts.
describe('GitSource (real git, local only)', () => {
  it('fetches the branch tip shallowly and reads its author and subject', async () => {
    const repo = new LocalRepo();
    const workdir = mkdtempSync(join(tmpdir(), 'bellwether-git-test-'));
    try {
      repo.commit({ 'a.yaml': 'a: 1\n' }, 'First');
      const second = repo.commit({ 'a.yaml': 'a: 2\n' }, 'Second "quoted"', 'Ann Lee');
      const source = new GitSource({ url: repo.dir, branch: 'main', workdir });
      const commit = await source.fetch();
      expect(commit).toMatchObject({ sha: second, author: 'Ann Lee', subject: 'Second "quoted"' });
      expect(readFileSync(join(workdir, 'a.yaml'), 'utf8')).toBe('a: 2\n');
      expect(
        execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: workdir, encoding: 'utf8' }).trim(),
      ).toBe('1');
      const third = repo.commit({ 'a.yaml': null }, 'Remove a');
      expect((await source.fetch()).sha).toBe(third);
      expect(existsSync(join(workdir, 'a.yaml'))).toBe(false);
    } finally {
      repo.remove();
      rmSync(workdir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names the branch that is missing and never shows credentials in errors', async () => {
    const repo = new LocalRepo();
    const workdir = mkdtempSync(join(tmpdir(), 'bellwether-git-test-'));
    try {
      repo.commit({ 'a.yaml': 'a: 1\n' }, 'First');
      const missing = new GitSource({ url: repo.dir, branch: 'nope', workdir });
      await expect(missing.fetch()).rejects.toThrow(/git fetch file:\/\/.*nope/);
      const remote = new GitSource({
        url: 'https://bot:hunter2-token@127.0.0.1:1/shop.git',
        branch: 'main',
        workdir,
        timeoutMs: 20_000,
        credentials: { username: 'bot', password: 'hunter2-token' },
      });
      const error = await remote.fetch().then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      expect(error).toMatch(/^git fetch https:\/\/127\.0\.0\.1:1\/shop\.git: /);
      expect(error).not.toContain('hunter2');
    } finally {
      repo.remove();
      rmSync(workdir, { recursive: true, force: true });
    }
  }, 60_000);
});

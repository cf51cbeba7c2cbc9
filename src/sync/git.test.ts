import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultSyncName } from '../cli/commands/sync.ts';
import { displayUrl, maskSecrets, normalizeRepoUrl } from './git.ts';
import { concernsBranch, parseAddr, validSignature } from './webhook.ts';

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

  it('derives a DNS-label sync name from the repository and path', () => {
    expect(defaultSyncName('https://git.example/Shop.git', 'apps/web')).toBe('shop-apps-web');
    expect(defaultSyncName('/srv/repo/', '.')).toBe('repo');
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

  it('parses HOST:PORT and :PORT', () => {
    expect(parseAddr(':9095')).toEqual({ host: '0.0.0.0', port: 9095 });
    expect(parseAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseAddr('nope')).toThrow(/HOST:PORT/);
  });
});

import { describe, expect, it } from 'vitest';
import { defaultSyncName } from './sync.ts';

describe('bellwether sync', () => {
  it('derives a DNS-label sync name from the repository and path', () => {
    expect(defaultSyncName('https://git.example/Shop.git', 'apps/web')).toBe('shop-apps-web');
    expect(defaultSyncName('/srv/repo/', '.')).toBe('repo');
  });
});

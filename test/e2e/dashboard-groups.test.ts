import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually, serviceAccountToken } from '../support/kube.ts';
import { createRollout, getRollout } from '../support/rollouts.ts';
import {
  createRolloutGroup,
  getRolloutGroup,
  memberRollout,
  setImage,
  settled,
  started,
} from '../support/rollout-groups.ts';
import { DashboardProcess, imagesDir, launchChromium } from './dashboard-harness.ts';

// The RolloutGroup pages of the dashboard, in Debian's Chromium, against the real API server and
// a real controller: a backend-then-frontend release followed live, the group promoted from the
// page, and a viewer (RBAC get/list/watch only) who sees no buttons and whose POST is refused.
describe('dashboard: RolloutGroups', () => {
  const env = useControllerEnv('dash-grp');
  const ns = () => env.namespace;
  let local: DashboardProcess;
  let tokenMode: DashboardProcess;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let viewerToken = '';
  const steps = [{ setWeight: 50 }, { pause: {} }];

  beforeAll(async () => {
    const c = env.c;
    await c.core.createNamespacedServiceAccount({ namespace: ns(), body: { metadata: { name: 'viewer' } } });
    const read = ['get', 'list', 'watch'];
    await c.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'viewer', namespace: ns() },
      rules: [{ apiGroups: ['bellwether.dev'], resources: ['rollouts', 'rolloutgroups'], verbs: read }],
    } as never);
    await c.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'viewer', namespace: ns() },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'viewer' },
      subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: ns() }],
    } as never);
    viewerToken = await serviceAccountToken(c, ns(), 'viewer');

    await createRollout(c, ns(), memberRollout('backend', 'registry.example/shop/backend:1', steps));
    await createRollout(c, ns(), memberRollout('frontend', 'registry.example/shop/frontend:1', steps));
    await createRolloutGroup(c, ns(), 'shop-release', {
      members: { rollouts: ['backend', 'frontend'] },
      stages: [
        { name: 'backend', rollouts: ['backend'] },
        { name: 'frontend', rollouts: ['frontend'], dependsOn: ['backend'] },
      ],
    });

    local = new DashboardProcess('dashboard-groups', ['--kubeconfig', env.kubeconfig]);
    // token mode: each request acts as the bearer of the proxy header (the dashboard's own
    // identity, here the test's kubeconfig, only asks TokenReviews and SubjectAccessReviews)
    tokenMode = new DashboardProcess('dashboard-groups-token', [
      '--auth',
      'token',
      '--kubeconfig',
      env.kubeconfig,
      '--insecure-cookies',
    ]);
    await Promise.all([local.start(), tokenMode.start()]);
    browser = await launchChromium();
    page = await browser.context.newPage();
    await eventually(
      'backend and frontend Healthy on version 1, and the group Healthy',
      async () => {
        const both = await Promise.all(['backend', 'frontend'].map((n) => getRollout(c, ns(), n)));
        const g = await getRolloutGroup(c, ns(), 'shop-release');
        return both.every(settled) && g.status?.phase === 'Healthy' ? true : undefined;
      },
      90_000,
    );
  });
  afterAll(async () => {
    await browser.close();
    await Promise.all([local.stop(), tokenMode.stop()]);
  });

  const member = (name: string) => page.locator(`[data-member="${name}"]`);

  it('shows the frontend waiting for stage backend, live; Promote on the group advances it', async () => {
    // every request the page makes: after the first load, only the action (no polling)
    const requests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/'))
        requests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${local.url}/groups/${ns()}/shop-release`);
    await page.waitForSelector('.group-page[data-phase="Healthy"]');
    // stages in release order
    expect(await page.locator('.stage-card h3').allTextContents()).toEqual(['backend', 'frontend']);
    expect(await page.locator('[data-stage="frontend"] .after').textContent()).toBe('after backend');

    // one release of both (as one Git commit applies them)
    await setImage(env.c, ns(), 'backend', 'registry.example/shop/backend:2');
    await setImage(env.c, ns(), 'frontend', 'registry.example/shop/frontend:2');
    await page.waitForSelector('[data-member="backend"][data-state="Progressing"] [data-phase="Paused"]', {
      timeout: 90_000,
    });
    await page.waitForSelector('[data-member="frontend"][data-state="Waiting"] [data-testid="why"]');
    expect(await member('frontend').locator('[data-testid="why"]').textContent()).toBe(
      'waiting for stage backend',
    );
    expect(await page.locator('[data-testid="current-stages"]').textContent()).toBe('backend');
    await page.waitForSelector('[data-stage="backend"][data-state="current"]');
    await page.waitForSelector('[data-stage="frontend"][data-state="waiting"]');
    expect(await member('backend').locator('.weight .num').textContent()).toBe('50%');
    expect(await member('backend').locator('.pips .num').textContent()).toBe('2/2');
    expect(started(await getRollout(env.c, ns(), 'frontend'))).toBe(false);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(imagesDir, 'dashboard-group.png'), fullPage: true });

    // abort asks first: Cancel changes nothing
    await page.click('button[data-action="abort"]');
    await page.waitForSelector('.modal');
    expect(await page.locator('.modal h3').textContent()).toBe('Abort shop-release?');
    await page.click('.modal button:has-text("Cancel")');
    expect((await getRolloutGroup(env.c, ns(), 'shop-release')).status?.abort).not.toBe(true);

    // Promote on the group: the backend goes past its pause, becomes Healthy, and the frontend's
    // stage starts: all of it seen on the page as it happens
    const streamsBefore = requests.filter((r) => r.startsWith('GET /api/stream/')).length;
    await page.click('button[data-action="promote"]');
    await page.waitForSelector('.actions .toast.ok');
    await page.waitForSelector('[data-member="backend"][data-state="Healthy"]', { timeout: 90_000 });
    await page.waitForSelector('[data-member="frontend"][data-state="Progressing"] [data-phase="Paused"]', {
      timeout: 90_000,
    });
    await page.waitForSelector('[data-stage="frontend"][data-state="current"]');
    expect(await page.locator('[data-testid="current-stages"]').textContent()).toBe('frontend');
    const backend = await getRollout(env.c, ns(), 'backend');
    expect(settled(backend)).toBe(true);
    expect(started(await getRollout(env.c, ns(), 'frontend'))).toBe(true);
    // the page followed it over its one event stream: no new stream, no polling, one POST
    expect(requests.filter((r) => r.startsWith('GET /api/stream/')).length).toBe(streamsBefore);
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual([
      `POST /api/rolloutgroups/${ns()}/shop-release/promote`,
    ]);

    // links: from the group to the member Rollout, and back from the Rollout to its group
    await member('frontend').locator('a.member-name').click();
    await page.waitForSelector(`.detail [data-testid="groups"] a[data-group="shop-release"]`);
    expect(await page.locator('[data-testid="groups"] .membership').textContent()).toContain(
      'stage frontend',
    );
    await page.click('[data-testid="groups"] a[data-group="shop-release"]');
    await page.waitForSelector('.group-page');
    expect(page.url()).toBe(`${local.url}/groups/${ns()}/shop-release`);

    // the list of groups
    await page.goto(`${local.url}/groups?namespace=${ns()}`);
    const row = page.locator(`[data-group="${ns()}/shop-release"]`);
    await row.waitFor();
    expect(await row.locator('.stage-name.current').textContent()).toBe('frontend');
    await page.screenshot({ path: join(imagesDir, 'dashboard-groups.png') });
  });

  it('a viewer sees the group but no buttons, and a direct POST of each action is 403', async () => {
    const viewerPage = await browser.context.newPage();
    await viewerPage.setExtraHTTPHeaders({ 'X-Forwarded-Access-Token': viewerToken });
    await viewerPage.goto(`${tokenMode.url}/groups/${ns()}/shop-release`);
    await viewerPage.waitForSelector('.group-page [data-member="frontend"]');
    expect(await viewerPage.locator('.user').textContent()).toBe(`system:serviceaccount:${ns()}:viewer`);
    await viewerPage.waitForSelector('[data-testid="actions"].readonly');
    expect(await viewerPage.locator('[data-action]').count()).toBe(0);

    const headers = { 'X-Forwarded-Access-Token': viewerToken, 'Content-Type': 'application/json' };
    const who = (await (await fetch(`${tokenMode.url}/api/whoami`, { headers })).json()) as { csrf: string };
    for (const action of ['promote', 'abort', 'retry']) {
      const res = await fetch(`${tokenMode.url}/api/rolloutgroups/${ns()}/shop-release/${action}`, {
        method: 'POST',
        headers: { ...headers, 'X-CSRF-Token': who.csrf },
        body: '{}',
      });
      expect(res.status, action).toBe(403);
      expect(((await res.json()) as { message: string }).message).toContain('may not patch');
    }
    expect((await getRolloutGroup(env.c, ns(), 'shop-release')).status?.abort).not.toBe(true);
    expect((await getRollout(env.c, ns(), 'frontend')).status?.phase).toBe('Paused');
    await viewerPage.close();
  });
});

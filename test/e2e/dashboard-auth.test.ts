import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from '../../src/install/apply.ts';
import { renderKustomization } from '../../src/install/kustomization.ts';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually, serviceAccountToken } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';
import { DashboardProcess, launchChromium } from './dashboard-harness.ts';

const dashboardNamespace = 'bellwether';

/** A kubeconfig for the same API server with only `token` as credentials. */
function kubeconfigWithToken(admin: KubeConfig, token: string, dir: string): string {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('admin kubeconfig has no cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'dashboard', token }],
    contexts: [{ name: 'dashboard', cluster: cluster.name, user: 'dashboard' }],
    currentContext: 'dashboard',
  });
  const path = join(dir, 'dashboard.kubeconfig');
  writeFileSync(path, kc.exportConfig());
  return path;
}

// The in-cluster set-up: `bellwether dashboard --auth token` running as deploy/dashboard's
// ServiceAccount (its real RBAC, applied from the manifests), every user a real ServiceAccount
// token, Kubernetes RBAC deciding.
describe('dashboard (token mode: every request acts as the signed-in user)', () => {
  const env = useControllerEnv('dash-auth');
  let dashboard: DashboardProcess;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let dir: string;
  let viewerToken = '';
  let operatorToken = '';
  let createdNamespace = false;
  const rbacObjects = renderKustomization(join(repoRoot, 'deploy', 'dashboard')).map((r) => r.object);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bellwether-dashboard-'));
    const c = env.c;
    await c.core.readNamespace({ name: dashboardNamespace }).catch(async () => {
      await c.core.createNamespace({ body: { metadata: { name: dashboardNamespace } } });
      createdNamespace = true;
    });
    // the ServiceAccount and its two-verb ClusterRole as shipped; the Deployment and Service are
    // checked by the API server (dry run) but not run: the local plane's pods run no containers
    const runnable = new Set(['Deployment', 'Service']);
    await applyObjects(
      c.kc,
      rbacObjects.filter((o) => !runnable.has(o.kind ?? '')),
      'e2e-dashboard',
    );
    await applyObjects(
      c.kc,
      rbacObjects.filter((o) => runnable.has(o.kind ?? '')),
      'e2e-dashboard',
      { dryRun: true },
    );
    const saKubeconfig = kubeconfigWithToken(
      c.kc,
      await serviceAccountToken(c, dashboardNamespace, 'bellwether-dashboard'),
      dir,
    );

    // two users: a viewer (get/list/watch only) and an operator (may also patch Rollouts)
    const ns = env.namespace;
    const read = ['get', 'list', 'watch'];
    const rules = (extra: object[]) => [
      { apiGroups: ['bellwether.dev'], resources: ['rollouts', 'analysisruns'], verbs: read },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
      { apiGroups: [''], resources: ['pods', 'events'], verbs: read },
      ...extra,
    ];
    const operatorRules = [
      { apiGroups: ['bellwether.dev'], resources: ['rollouts', 'rollouts/status'], verbs: ['patch'] },
    ];
    for (const [user, extra] of [
      ['viewer', []],
      ['operator', operatorRules],
    ] as const) {
      await c.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: user } } });
      await c.objects.create({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: user, namespace: ns },
        rules: rules([...extra]),
      } as never);
      await c.objects.create({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: user, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
        subjects: [{ kind: 'ServiceAccount', name: user, namespace: ns }],
      } as never);
    }
    viewerToken = await serviceAccountToken(c, ns, 'viewer');
    operatorToken = await serviceAccountToken(c, ns, 'operator');

    await createRollout(
      c,
      ns,
      canaryRollout('web', 'registry.example/web:1.0.0', {
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      }),
    );
    await eventually(
      'web Healthy',
      async () => ((await getRollout(c, ns, 'web')).status?.phase === 'Healthy' ? true : undefined),
      90_000,
    );

    dashboard = new DashboardProcess('dashboard-token', [
      '--auth',
      'token',
      '--kubeconfig',
      saKubeconfig,
      '--insecure-cookies',
    ]);
    await dashboard.start();
    // the dashboard's own identity may not read Rollouts at all: what users see comes through their tokens
    const own = new KubeConfig();
    own.loadFromFile(saKubeconfig);
    const ownList = await own
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: ns,
        plural: 'rollouts',
      })
      .then(
        () => 200,
        (err: unknown) => (err as { code?: number }).code,
      );
    expect(ownList).toBe(403);
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser.close();
    await dashboard.stop();
    const c = env.c;
    for (const obj of rbacObjects.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service')) {
      await c.objects.delete(obj).catch(() => undefined);
    }
    if (createdNamespace) await c.core.deleteNamespace({ name: dashboardNamespace }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${dashboard.url}${path}`, init);
  const as = (token: string, extra: Record<string, string> = {}) => ({
    Authorization: `Bearer ${token}`,
    ...extra,
  });
  const promotePath = () => `/api/rollouts/${env.namespace}/web/promote`;

  it('answers 401 to requests without a valid token, and changes nothing', async () => {
    expect((await api('/api/whoami')).status).toBe(401);
    expect((await api(`/api/stream/rollouts?namespace=${env.namespace}`)).status).toBe(401);
    expect((await api(promotePath(), { method: 'POST' })).status).toBe(401);
    expect((await api('/api/whoami', { headers: as('not-a-token') })).status).toBe(401);
    expect((await api('/api/whoami', { headers: { Cookie: 'bellwether_session=guessed' } })).status).toBe(
      401,
    );
    // the page itself loads and asks to sign in
    await page.goto(dashboard.url);
    await page.waitForSelector('form.login textarea');
  });

  it('a viewer signs in with a pasted token, sees the Rollout but no action buttons, and a direct POST is 403', async () => {
    await page.fill('form.login textarea', viewerToken);
    await page.click('form.login button[type="submit"]');
    await page.waitForSelector('.user');
    expect(await page.locator('.user').textContent()).toBe(`system:serviceaccount:${env.namespace}:viewer`);
    // all namespaces: RBAC says no (a Role in one namespace), and the page says so
    await page.waitForSelector('.notice');
    expect(await page.locator('.notice').textContent()).toContain('may not list rollouts in all namespaces');
    await page.goto(`${dashboard.url}/?namespace=${env.namespace}`);
    await page.click(`[data-rollout="${env.namespace}/web"]`);
    await page.waitForSelector('.detail[data-phase="Healthy"]');
    await page.waitForSelector('[data-testid="actions"].readonly');
    expect(await page.locator('[data-action]').count()).toBe(0);

    // the session cookie is HttpOnly: page scripts cannot read the session (or the token)
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookies = await browser.context.cookies(dashboard.url);
    expect(cookies.find((c) => c.name === 'bellwether_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });

    // a direct POST as the viewer, with a valid CSRF token: RBAC (SubjectAccessReview) says 403
    const who = (await (await api('/api/whoami', { headers: as(viewerToken) })).json()) as { csrf: string };
    const denied = await api(promotePath(), {
      method: 'POST',
      headers: as(viewerToken, { 'X-CSRF-Token': who.csrf, 'Content-Type': 'application/json' }),
      body: '{}',
    });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain('may not patch rollouts');
    // from the signed-in browser session too
    const fromPage = await page.evaluate(`(async () => {
      const who = await (await fetch('/api/whoami')).json();
      const res = await fetch('/api/rollouts/${env.namespace}/web/abort', { method: 'POST', headers: { 'X-CSRF-Token': who.csrf, 'Content-Type': 'application/json' }, body: '{}' });
      return res.status;
    })()`);
    expect(fromPage).toBe(403);
    expect((await getRollout(env.c, env.namespace, 'web')).status?.abort).not.toBe(true);
  });

  it('an operator whose Role allows patch sees the buttons; writes need the CSRF token and the same origin', async () => {
    const headers = as(operatorToken, { 'Content-Type': 'application/json' });
    const who = (await (await api('/api/whoami', { headers })).json()) as { csrf: string; username: string };
    expect(who.username).toBe(`system:serviceaccount:${env.namespace}:operator`);
    // without the CSRF token, or with another user's, or from another origin: refused
    const abortPath = `/api/rollouts/${env.namespace}/web/abort`;
    expect((await api(abortPath, { method: 'POST', headers, body: '{}' })).status).toBe(403);
    const viewerCsrf = (
      (await (await api('/api/whoami', { headers: as(viewerToken) })).json()) as { csrf: string }
    ).csrf;
    expect(
      (
        await api(abortPath, {
          method: 'POST',
          headers: { ...headers, 'X-CSRF-Token': viewerCsrf },
          body: '{}',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await api(abortPath, {
          method: 'POST',
          headers: { ...headers, 'X-CSRF-Token': who.csrf, Origin: 'https://evil.example' },
          body: '{}',
        })
      ).status,
    ).toBe(403);
    expect((await getRollout(env.c, env.namespace, 'web')).status?.abort).not.toBe(true);

    // through the sign-in proxy's header, in the browser: the operator's buttons are there
    await browser.context.setExtraHTTPHeaders({ 'X-Forwarded-Access-Token': operatorToken });
    await page.goto(`${dashboard.url}/rollouts/${env.namespace}/web`);
    await page.waitForSelector('button[data-action="promote"]');
    expect(await page.locator('.user').textContent()).toBe(`system:serviceaccount:${env.namespace}:operator`);
    await page.click('button[data-action="pause"]');
    await eventually('spec.paused set by the operator', async () =>
      (await getRollout(env.c, env.namespace, 'web')).spec.paused === true ? true : undefined,
    );
    await browser.context.setExtraHTTPHeaders({});
  });
});

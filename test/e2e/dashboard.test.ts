import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { canaryRollout, createAnalysisTemplate, createRollout, getRollout } from '../support/rollouts.ts';
import { DashboardProcess, imagesDir, launchChromium } from './dashboard-harness.ts';

const group = 'bellwether.dev';
const version = 'v1alpha1';

/** Provenance as `bellwether sync` writes it on what it applies (the controller copies it on). */
const provenance = (sha: string, subject: string) => ({
  'bellwether.dev/source-repository': 'https://github.com/bellwether-dev/shop-config',
  'bellwether.dev/source-path': 'apps/shop',
  'bellwether.dev/source-revision': sha,
  'bellwether.dev/source-author': 'Dana Reyes',
  'bellwether.dev/source-subject': subject,
});

/**
 * Runs in the page (the test's tsconfig has no DOM types, hence a string): records every change
 * of the step and phase shown, with the wall-clock time it appeared, into window.seen.
 */
const recordSteps = `(() => {
  const seen = [];
  window.seen = seen;
  const record = () => {
    const step = document.querySelector('.overview [data-testid="step"]')?.textContent ?? '';
    const phase = document.querySelector('.detail')?.getAttribute('data-phase') ?? '';
    const last = seen.at(-1);
    if (!last || last[1] !== step || last[2] !== phase) seen.push([performance.timeOrigin + performance.now(), step, phase]);
  };
  record();
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;

// The dashboard as `bellwether dashboard` runs on a laptop (the kubeconfig's credentials), in
// Debian's Chromium, against the real API server and a real controller.
describe('dashboard (local, kubeconfig credentials)', () => {
  const env = useControllerEnv('dash');
  let dashboard: DashboardProcess;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let metrics: Server;
  let metricsUrl = '';
  let calls = 0;

  beforeAll(async () => {
    // A web metric endpoint for the analysis: success rates that wobble above the threshold.
    const rates = [0.97, 0.985, 0.962, 0.991, 0.978, 0.983];
    metrics = createServer((_req, res) => {
      const rate = rates[calls++ % rates.length];
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ successRate: rate }));
    });
    await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/rate`;
    dashboard = new DashboardProcess('dashboard-local', ['--kubeconfig', env.kubeconfig]);
    await dashboard.start();
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser.close();
    await dashboard.stop();
    await new Promise((resolve) => metrics.close(resolve));
  });

  const patchRollout = (name: string, body: object) =>
    env.c.custom.patchNamespacedCustomObject(
      { group, version, namespace: env.namespace, plural: 'rollouts', name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const release = (name: string, image: string, sha: string, subject: string) =>
    patchRollout(name, {
      metadata: { annotations: provenance(sha, subject) },
      spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
    });
  const phaseOf = async (name: string) => (await getRollout(env.c, env.namespace, name)).status?.phase;
  const healthy = (name: string) =>
    eventually(
      `${name} Healthy`,
      async () => ((await phaseOf(name)) === 'Healthy' ? true : undefined),
      90_000,
    );
  const deploy = async (name: string, spec: Record<string, unknown>, sha: string, subject: string) => {
    const body = canaryRollout(name, `registry.example/shop/${name}:1.4.0`, { replicas: 4, ...spec }) as {
      metadata: Record<string, unknown>;
    };
    body.metadata.annotations = provenance(sha, subject);
    await createRollout(env.c, env.namespace, body);
  };

  it('follows a canary from step 1 to its pause live, shows the analysis chart, and promotes it to Healthy', async () => {
    await createAnalysisTemplate(env.c, env.namespace, 'success-rate', {
      metrics: [
        {
          name: 'success-rate',
          interval: '1s',
          count: 5,
          successCondition: 'result >= 0.95',
          failureCondition: 'result < 0.9',
          provider: { web: { url: metricsUrl, jsonPath: '{$.successRate}' } },
        },
      ],
    });
    const steps = [
      { setWeight: 20 },
      { analysis: { templates: [{ templateName: 'success-rate' }] } },
      { setWeight: 50 },
      { pause: {} },
    ];
    await deploy(
      'checkout',
      { strategy: { canary: { steps } } },
      '3f9c2a7d41e0b6c8',
      'checkout: first release',
    );
    await healthy('checkout');
    await page.goto(`${dashboard.url}/rollouts/${env.namespace}/checkout`);
    await page.waitForSelector('.overview [data-testid="step"]');
    // What the page shows, recorded in the page as it changes: [time, step text, phase].
    await page.evaluate(recordSteps);
    // When the API server reports each step change (a watch of our own), to measure the delay.
    const apiSteps: [number, number][] = [];
    const watch = await new Watch(env.c.kc).watch(
      `/apis/${group}/${version}/namespaces/${env.namespace}/rollouts`,
      { fieldSelector: 'metadata.name=checkout' },
      (_type, obj: { status?: { currentStepIndex?: number } }) => {
        const index = obj.status?.currentStepIndex ?? 0;
        if (apiSteps.at(-1)?.[1] !== index) apiSteps.push([Date.now(), index]);
      },
      () => undefined,
    );
    await release(
      'checkout',
      'registry.example/shop/checkout:1.5.0',
      'a1b2c3d4e5f60718',
      'checkout: faster basket totals',
    );
    await page.waitForSelector('.detail[data-phase="Paused"]', { timeout: 90_000 });
    await page.waitForFunction(
      `document.querySelector('.overview [data-testid="step"]')?.textContent === '4 of 4'`,
    );
    watch.abort();
    const seen = await page.evaluate<[number, string, string][]>('window.seen');
    const stepsSeen = seen.map(([, step]) => step).filter((step, i, all) => step !== all[i - 1]);
    // the canary went 1 -> 2 (analysis) -> 3 -> 4 (the pause) on screen, in order
    // (a Healthy canary shows its last step, 4 of 4, until the release starts it again at 1)
    const afterRelease = stepsSeen.slice(stepsSeen.indexOf('1 of 4'));
    // Every step the API server held for a second or more was on screen; a shorter one may be
    // folded into the next update (the stream sends at most one view per 30 ms burst, and a
    // loaded API server can deliver two status writes together).
    const held = apiSteps.flatMap(([t, index], i) => {
      const next = apiSteps[i + 1]?.[0];
      return next === undefined || next - t >= 1000 ? [`${String(Math.min(index + 1, 4))} of 4`] : [];
    });
    expect(afterRelease[0]).toBe('1 of 4');
    expect(afterRelease.at(-1)).toBe('4 of 4');
    expect(afterRelease).toEqual([...afterRelease].sort());
    expect(afterRelease).toEqual(
      expect.arrayContaining(['2 of 4', ...held.filter((step) => step !== '4 of 4')]),
    );
    // Delay from the test's own watch event to the page showing the step (both watch the same API
    // server, so the page can be first by a few ms).
    const delays = apiSteps.slice(1).flatMap(([t, index], i) => {
      const since = apiSteps[i]?.[0] ?? 0;
      const shown = seen.find(([when, step]) => when >= since && step === `${Math.min(index + 1, 4)} of 4`);
      return shown ? [Math.round(shown[0] - t)] : [];
    });
    process.stdout.write(
      `[dashboard] step change on screen after the API server's watch event: ${delays.join(', ')} ms\n`,
    );

    // the analysis chart: the run's five measurements drawn against the success threshold
    const metric = page.locator('.metric[data-metric="success-rate"]').first();
    await metric.locator('.measurement').nth(4).waitFor();
    expect(await metric.locator('canvas').count()).toBeGreaterThan(0);
    expect(await metric.locator('.measurement').allTextContents()).toEqual([
      '0.97',
      '0.985',
      '0.962',
      '0.991',
      '0.978',
    ]);
    await expect(metric.locator('.cond.ok code').textContent()).resolves.toBe('result >= 0.95');
    // steps: the pause is current
    expect(await page.locator('.timeline .step.current .label').textContent()).toBe('pause (until promoted)');
    // provenance links the commit
    expect(await page.locator('[data-testid="provenance"] a').getAttribute('href')).toBe(
      'https://github.com/bellwether-dev/shop-config/commit/a1b2c3d4e5f60718',
    );
    await page.waitForTimeout(1500); // let the weight chart and the pods settle for the picture
    await page.screenshot({ path: join(imagesDir, 'dashboard-rollout.png'), fullPage: true });

    await page.click('button[data-action="promote"]');
    await page.waitForSelector('.detail[data-phase="Healthy"]', { timeout: 90_000 });
    expect(await phaseOf('checkout')).toBe('Healthy');
    const ro = await getRollout(env.c, env.namespace, 'checkout');
    expect(ro.status?.stableRS).toBe(ro.status?.currentPodHash);
  });

  it('asks before an abort, then aborts to Degraded; lists every Rollout with phase, step, weight, image and commit', async () => {
    const pauseSteps = { strategy: { canary: { steps: [{ setWeight: 30 }, { pause: {} }] } } };
    await deploy('payments', pauseSteps, '9e8d7c6b5a493827', 'payments: new provider');
    await deploy('cart', pauseSteps, '77aa12bb34cc56dd', 'cart: initial');
    await deploy(
      'catalog',
      { strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }] } } },
      '1029384756abcdef',
      'catalog: initial',
    );
    await Promise.all(['payments', 'cart', 'catalog'].map(healthy));
    await release(
      'payments',
      'registry.example/shop/payments:2.0.0',
      'c0ffee1234567890',
      'payments: switch to new PSP',
    );
    await release('catalog', 'registry.example/shop/catalog:1.4.1', 'd00dfeed98765432', 'catalog: image CDN');
    await page.goto(`${dashboard.url}/rollouts/${env.namespace}/payments`);
    await page.waitForSelector('.detail[data-phase="Paused"]', { timeout: 60_000 });

    await page.click('button[data-action="abort"]');
    await page.waitForSelector('.modal');
    await page.click('.modal button:has-text("Cancel")');
    expect((await getRollout(env.c, env.namespace, 'payments')).status?.abort).not.toBe(true);
    await page.click('button[data-action="abort"]');
    await page.click('.modal button[data-confirm="abort"]');
    await page.waitForSelector('.detail[data-phase="Degraded"]', { timeout: 60_000 });
    expect((await getRollout(env.c, env.namespace, 'payments')).status?.abort).toBe(true);

    await page.goto(`${dashboard.url}/?namespace=${env.namespace}`);
    await page.waitForSelector(`[data-rollout="${env.namespace}/checkout"]`);
    const row = (name: string) => page.locator(`[data-rollout="${env.namespace}/${name}"]`);
    await row('payments').locator('[data-phase="Degraded"]').waitFor();
    await row('catalog').locator('[data-phase="Paused"]').waitFor();
    expect(await row('checkout').textContent()).toContain('checkout:1.5.0');
    expect(await row('checkout').textContent()).toContain('a1b2c3d');
    expect(await row('catalog').locator('.weight .num').textContent()).toBe('25%');
    expect(await row('catalog').locator('.pips .num').textContent()).toBe('2/2');
    expect(await page.locator('.tr').count()).toBe(4);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(imagesDir, 'dashboard-list.png') });
  });
});

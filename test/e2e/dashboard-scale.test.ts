import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { clients, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout } from '../support/rollouts.ts';
import { DashboardProcess, launchChromium } from './dashboard-harness.ts';

const count = 1000;
const pad = (i: number) => String(i).padStart(4, '0');

// 1,000 Rollouts listed: the figures the docs quote (first render, heap, page weight, a live
// update's delay), printed and written to test-results/dashboard-figures.json. Timings are
// printed, never asserted; what is asserted is that all 1,000 are there and only a screenful is
// in the DOM.
describe('dashboard with 1,000 Rollouts', () => {
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let dashboard: DashboardProcess;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'dash-scale');
    // no controller watches this namespace: the objects and the list are what is measured
    const names = Array.from({ length: count }, (_, i) => `svc-${pad(i)}`);
    const steps = [{ setWeight: 10 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: {} }];
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map((name) =>
          createRollout(
            c,
            ns.name,
            canaryRollout(name, `registry.example/team/${name}:1.0.${i % 7}`, {
              strategy: { canary: { steps } },
            }),
          ),
        ),
      );
    }
    dashboard = new DashboardProcess('dashboard-scale', ['--kubeconfig', inject('kubeconfig')]);
    await dashboard.start();
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 600_000);
  afterAll(async () => {
    await browser.close();
    await dashboard.stop();
    await ns.cleanup();
  });

  it('lists all of them, renders a screenful, and follows a change', async () => {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${dashboard.url}/?namespace=${ns.name}`);
    // first render with all rows: from navigation start until the list says it holds 1,000
    await page.waitForFunction(
      `document.querySelector('.footnote')?.textContent?.startsWith('${count} of ${count}') && document.querySelector('.tr') !== null`,
      undefined,
      { timeout: 60_000 },
    );
    const listed = await page.evaluate<number>('performance.now()');
    const paint = await page.evaluate<string>(
      `JSON.stringify({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        transfer: performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
          .filter((e) => !e.name.includes('/api/')).reduce((sum, e) => sum + e.transferSize, 0),
        decoded: performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
          .filter((e) => !e.name.includes('/api/')).reduce((sum, e) => sum + e.decodedBodySize, 0),
        rowsInDom: document.querySelectorAll('.tr').length,
        heap: performance.memory ? performance.memory.usedJSHeapSize : null })`,
    );
    const figures = JSON.parse(paint) as {
      fcp: number | null;
      transfer: number;
      decoded: number;
      rowsInDom: number;
      heap: number | null;
    };
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    expect(figures.rowsInDom).toBeGreaterThan(5);
    expect(figures.rowsInDom).toBeLessThan(60); // virtualised: a screenful plus overscan, not 1,000

    // the last one is reachable by scrolling
    await page.evaluate(`document.querySelector('.tbody').scrollTop = 1e9`);
    await page.waitForSelector(`[data-rollout="${ns.name}/svc-${pad(count - 1)}"]`);

    // a change to one of 1,000: from the write to the row showing it
    await page.evaluate(`document.querySelector('.tbody').scrollTop = 0`);
    await page.waitForSelector(`[data-rollout="${ns.name}/svc-0000"]`);
    const before = Date.now();
    await c.custom.patchNamespacedCustomObject(
      {
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: ns.name,
        plural: 'rollouts',
        name: 'svc-0000',
        body: {
          spec: {
            template: {
              spec: { containers: [{ name: 'app', image: 'registry.example/team/svc-0000:2.0.0' }] },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await page.waitForFunction(
      `document.querySelector('[data-rollout="${ns.name}/svc-0000"]')?.textContent?.includes('svc-0000:2.0.0')`,
    );
    const updateMs = Date.now() - before;

    const result = {
      rollouts: count,
      pageWeightTransferredBytes: figures.transfer,
      pageWeightDecodedBytes: figures.decoded,
      firstContentfulPaintMs: figures.fcp === null ? null : Math.round(figures.fcp),
      allRowsListedMs: Math.round(listed),
      rowsInDom: figures.rowsInDom,
      jsHeapUsedBytes: Math.round(metric('JSHeapUsedSize')),
      jsHeapTotalBytes: Math.round(metric('JSHeapTotalSize')),
      performanceMemoryUsedBytes: figures.heap,
      domNodes: metric('Nodes'),
      liveUpdateMs: updateMs,
    };
    process.stdout.write(`[dashboard] ${JSON.stringify(result)}\n`);
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'test-results', 'dashboard-figures.json'),
      JSON.stringify(result, null, 2) + '\n',
    );
  });
});

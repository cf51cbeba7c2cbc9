import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import type { V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podTemplateHashLabel } from '../../src/kube/names.ts';
import { hashOf } from '../../src/controller/replica-sets.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import {
  canaryRollout,
  createAnalysisTemplate,
  createRollout,
  desiredByImage,
  getRollout,
  replicaSetsOf,
  rolloutEvents,
} from '../support/rollouts.ts';

// Blue-green on a real control plane: the preview Service serves the new version while the
// active one serves the old, promotion switches the active Service in one write, a failing
// pre-promotion analysis leaves it untouched and a failing post-promotion analysis switches it
// back. The analyses are web-provider AnalysisTemplates against an HTTP server this test controls.
describe('blue-green rollout', () => {
  const env = useControllerEnv('blue-green');
  /** What the test's check endpoints answer (1 = pass), and the hashes they were asked about. */
  const verdicts = { pre: 1, post: 1 };
  const asked: string[] = [];
  let server: Server;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const which = url.pathname === '/pre' ? 'pre' : 'post';
      asked.push(`${which} ${url.searchParams.get('hash') ?? ''}`);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ ok: verdicts[which] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    for (const which of ['pre', 'post']) {
      await createAnalysisTemplate(env.c, env.namespace, `${which}-check`, {
        args: [{ name: 'hash' }],
        metrics: [
          {
            name: `${which}-check`,
            interval: '1s',
            count: 2,
            successCondition: 'result == 1',
            provider: {
              web: { url: `http://127.0.0.1:${port}/${which}?hash={{args.hash}}`, jsonPath: '{$.ok}' },
            },
          },
        ],
      });
    }
    for (const name of ['web-active', 'web-preview', 'api-active', 'api-preview']) {
      const app = name.split('-')[0] ?? name;
      await env.c.core.createNamespacedService({
        namespace: env.namespace,
        body: { metadata: { name }, spec: { selector: { app }, ports: [{ port: 80 }] } },
      });
    }
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const rollout = (name: string) => getRollout(env.c, env.namespace, name);
  const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000) =>
    eventually(what, probe, ms);
  const selectorOf = async (service: string) =>
    (await env.c.core.readNamespacedService({ name: service, namespace: env.namespace })).spec?.selector?.[
      podTemplateHashLabel
    ];
  /** The pod template hash of the Rollout's ReplicaSet running `image`. */
  const hashOfImage = async (name: string, image: string) => {
    const sets = await replicaSetsOf(env.c, await rollout(name));
    const rs = sets.find((candidate) => candidate.spec?.template?.spec?.containers[0]?.image === image);
    if (!rs) throw new Error(`no ReplicaSet of ${name} runs ${image}`);
    return hashOf(rs);
  };
  const desired = async (name: string) => {
    const counts = await desiredByImage(env.c, env.namespace, name);
    return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
  };

  /**
   * Records every change of a Service's hash selector, as the API server announces it: a watch
   * from the current resourceVersion, so no write in between is missed.
   */
  const recordSelector = async (service: string) => {
    const current = await env.c.core.readNamespacedService({ name: service, namespace: env.namespace });
    const seen: (string | undefined)[] = [];
    let writes = 0;
    const abort = await new k8s.Watch(env.c.kc).watch(
      `/api/v1/namespaces/${env.namespace}/services`,
      { fieldSelector: `metadata.name=${service}`, resourceVersion: current.metadata?.resourceVersion ?? '' },
      (type: string, object: V1Service) => {
        if (type !== 'MODIFIED') return;
        writes++;
        seen.push(object.spec?.selector?.[podTemplateHashLabel]);
      },
      () => undefined,
    );
    return {
      seen,
      writes: () => writes,
      stop: () => {
        abort.abort();
      },
    };
  };

  it('previews v2 next to v1, aborts and retries, and switches the active Service in one write', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web', 'web:1', {
        replicas: 2,
        strategy: {
          blueGreen: {
            activeService: 'web-active',
            previewService: 'web-preview',
            autoPromotionEnabled: false,
            scaleDownDelaySeconds: 3,
            abortScaleDownDelaySeconds: 2,
          },
        },
      }),
    );
    // The first deployment goes straight to active: no preview, no pause.
    const v1 = await until('web:1 Healthy and active', async () => {
      const ro = await rollout('web');
      return ro.status?.phase === 'Healthy' && ro.status.blueGreen?.activeSelector ? ro : undefined;
    });
    const h1 = await hashOfImage('web', 'web:1');
    expect(v1.status?.stableRS).toBe(h1);
    expect(await selectorOf('web-active')).toBe(h1);
    expect(await selectorOf('web-preview')).toBe(h1);

    const active = await recordSelector('web-active');
    expect((await env.run('set', 'image', 'web', 'app=web:2')).code).toBe(0);
    const paused = await until('paused before the switch with both versions up', async () => {
      const ro = await rollout('web');
      return ro.status?.pauseConditions?.[0]?.reason === 'BlueGreenPause' ? ro : undefined;
    });
    const h2 = await hashOfImage('web', 'web:2');
    expect(paused.status?.phase).toBe('Paused');
    expect(await desired('web')).toEqual({ 'web:1': 2, 'web:2': 2 });
    // The preview Service serves the new version while the active one still serves the old.
    expect(await selectorOf('web-preview')).toBe(h2);
    expect(await selectorOf('web-active')).toBe(h1);

    // Abort: the preview goes back to v1, v2 leaves after abortScaleDownDelaySeconds; retry.
    expect((await env.run('abort', 'web')).code).toBe(0);
    await until('aborted, v2 scaled down', async () =>
      (await rollout('web')).status?.phase === 'Degraded' &&
      (await selectorOf('web-preview')) === h1 &&
      JSON.stringify(await desired('web')) === JSON.stringify({ 'web:1': 2 })
        ? true
        : undefined,
    );
    expect((await env.run('retry', 'web')).code).toBe(0);
    await until('paused again after the retry', async () =>
      (await rollout('web')).status?.pauseConditions?.[0]?.reason === 'BlueGreenPause' ? true : undefined,
    );
    expect(active.writes()).toBe(0);

    const promoted = await env.run('promote', 'web');
    expect(promoted.code).toBe(0);
    const healthy = await until('web:2 stable and active', async () => {
      const ro = await rollout('web');
      return ro.status?.phase === 'Healthy' && ro.status.stableRS === h2 ? ro : undefined;
    });
    expect(healthy.status?.blueGreen?.activeSelector).toBe(h2);
    expect(await selectorOf('web-active')).toBe(h2);
    // One patch of the active Service: from v1 straight to v2.
    await new Promise((resolve) => setTimeout(resolve, 500));
    active.stop();
    expect(active.seen).toEqual([h2]);
    await until('web:1 scaled down after scaleDownDelaySeconds', async () =>
      JSON.stringify(await desired('web')) === JSON.stringify({ 'web:2': 2 }) ? true : undefined,
    );
    const events = (await rolloutEvents(env.c, env.namespace, 'web')).map((event) => event.reason);
    expect(events).toEqual(
      expect.arrayContaining([
        'RolloutAborted',
        'RolloutRetried',
        'RolloutPromoted',
        'ActiveServiceSwitched',
      ]),
    );
    const shown = await env.run('get', 'rollout', 'web');
    expect(shown.stdout).toContain(`Active:       ${h2}`);
  });

  it('a failing pre-promotion analysis aborts without touching the active Service; post-promotion failure switches back', async () => {
    const analysis = (which: string) => ({
      templates: [{ templateName: `${which}-check` }],
      args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('api', 'api:1', {
        replicas: 2,
        strategy: {
          blueGreen: {
            activeService: 'api-active',
            previewService: 'api-preview',
            autoPromotionSeconds: 2,
            scaleDownDelaySeconds: 60,
            prePromotionAnalysis: analysis('pre'),
            postPromotionAnalysis: analysis('post'),
          },
        },
      }),
    );
    await until('api:1 Healthy and active', async () => {
      const ro = await rollout('api');
      return ro.status?.phase === 'Healthy' && ro.status.blueGreen?.activeSelector ? true : undefined;
    });
    const h1 = await hashOfImage('api', 'api:1');

    // Pre-promotion analysis fails: aborted, the active Service never written.
    verdicts.pre = 0;
    const active = await recordSelector('api-active');
    expect((await env.run('set', 'image', 'api', 'app=api:2')).code).toBe(0);
    const aborted = await until('aborted by the pre-promotion analysis', async () => {
      const ro = await rollout('api');
      return ro.status?.phase === 'Degraded' ? ro : undefined;
    });
    const h2 = await hashOfImage('api', 'api:2');
    expect(aborted.status?.abort).toBe(true);
    expect(aborted.status?.message).toMatch(/pre-promotion analysis run api-.*-pre Failed/);
    expect(aborted.status?.blueGreen?.prePromotionAnalysisRunStatus?.status).toBe('Failed');
    expect(asked).toContain(`pre ${h2}`);
    expect(await selectorOf('api-active')).toBe(h1);
    expect(active.writes()).toBe(0);

    // Retry with a passing check: pre-promotion passes, autoPromotionSeconds elapses, the
    // active Service switches, the post-promotion analysis passes.
    verdicts.pre = 1;
    expect((await env.run('retry', 'api')).code).toBe(0);
    await until('api:2 stable and active', async () => {
      const ro = await rollout('api');
      return ro.status?.phase === 'Healthy' && ro.status.stableRS === h2 ? true : undefined;
    });
    expect(active.seen).toEqual([h2]);
    expect(asked).toContain(`post ${h2}`);
    const reasons = (await rolloutEvents(env.c, env.namespace, 'api')).map((event) => event.message);
    expect(reasons).toEqual(
      expect.arrayContaining([expect.stringContaining('autoPromotionSeconds elapsed')]),
    );

    // Post-promotion analysis fails: the active Service goes back to the previous stable hash.
    verdicts.post = 0;
    expect((await env.run('set', 'image', 'api', 'app=api:3')).code).toBe(0);
    const back = await until('switched back after the post-promotion failure', async () => {
      const ro = await rollout('api');
      return ro.status?.phase === 'Degraded' && ro.status.blueGreen?.activeSelector === h2 ? ro : undefined;
    });
    const h3 = await hashOfImage('api', 'api:3');
    expect(back.status?.stableRS).toBe(h2);
    expect(back.status?.message).toMatch(/post-promotion analysis run api-.*-post Failed/);
    expect(await selectorOf('api-active')).toBe(h2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    active.stop();
    // One write to v3 on promotion, one write back to v2: never anything in between.
    expect(active.seen).toEqual([h2, h3, h2]);
    expect(asked).toContain(`post ${h3}`);
  });
});

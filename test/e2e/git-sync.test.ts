import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions, type CoreV1Event } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { GitSource } from '../../src/sync/git.ts';
import { inventoryName, parseInventory, type SyncStatus } from '../../src/sync/inventory.ts';
import { KubeRest } from '../../src/sync/kube-rest.ts';
import { ConfigMapStore } from '../../src/sync/store.ts';
import { GitSync } from '../../src/sync/sync-loop.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { layout } from '../../tools/cluster/layout.ts';
import { LocalRepo } from '../support/git-repo.ts';
import { canaryRolloutYaml } from '../support/manifests.ts';
import { eventually } from '../support/kube.ts';
import { getRollout, replicaSetsOf, rolloutEvents } from '../support/rollouts.ts';

// GitOps end to end: real `git` on a local repository, the sync applying each commit to the real
// API server, the controller rolling the Rollout out and naming the commit in status and Events.
// One story, in order: add, change image (canary), abort (andon cord), revert, roll back through
// rollbackWindow, an invalid commit, and a commit that removes a file (prune).

const rolloutYaml = (image: string) =>
  canaryRolloutYaml({
    replicas: 5,
    image,
    specLines: ['  rollbackWindow:', '    revisions: 2'],
    canaryLines: ['      abortScaleDownDelaySeconds: 0', '      scaleDownDelaySeconds: 0'],
    steps:
      '        - setWeight: 20\n        - pause: {}\n        - analysis:\n            templates:\n              - templateName: success-rate\n',
  });

const templateYaml = `apiVersion: bellwether.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  metrics:
    - name: success-rate
      successCondition: result[0] >= 0.95
      provider:
        prometheus:
          address: http://127.0.0.1:9
          query: vector(1)
`;

const serviceYaml = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
`;

const configMapYaml = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-settings
data:
  greeting: ${value}
`;

describe('git sync', () => {
  const env = useControllerEnv('git-sync');
  const repo = new LocalRepo();
  const workdir = mkdtempSync(join(tmpdir(), 'bellwether-sync-work-'));
  let rest: KubeRest;
  let sync: GitSync;
  const commits: Record<string, string> = {};

  beforeAll(() => {
    rest = new KubeRest(env.c.kc);
    sync = new GitSync(rest, new GitSource({ url: repo.dir, branch: 'main', workdir }), store('shop'), {
      name: 'shop',
      namespace: env.namespace,
      repository: 'https://git.example/shop.git',
      branch: 'main',
      path: 'apps/web',
      intervalMs: 1000,
      selfHeal: false,
      log: createLogger('warn'),
    });
  });
  afterAll(() => {
    repo.remove();
    rmSync(workdir, { recursive: true, force: true });
  });

  const store = (name: string, path = 'apps/web') =>
    new ConfigMapStore(rest, {
      namespace: env.namespace,
      name,
      repository: 'https://git.example/shop.git',
      path,
    });
  const rollout = () => getRollout(env.c, env.namespace, 'web');
  /** Polls the sync until its status satisfies `check`. */
  const syncUntil = (what: string, check: (s: SyncStatus) => boolean, ms = 90_000) =>
    eventually(
      what,
      async () => {
        const status = await sync.poll();
        if (check(status)) return status;
        throw new Error(`sync: ${status.phase}: ${status.message}`);
      },
      ms,
    );
  const short = (name: string) => (commits[name] ?? '').slice(0, 7);
  const patchStatus = (status: object) =>
    env.c.custom.patchNamespacedCustomObjectStatus(
      {
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: env.namespace,
        plural: 'rollouts',
        name: 'web',
        body: { status },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const eventsSince = async (count: number) =>
    (await rolloutEvents(env.c, env.namespace, 'web')).slice(count);
  // Events are delivered from status.outbox right after the status write the sync reads, so the
  // sync can see the new phase a moment before the Event exists: wait for the one awaited.
  const eventsUntil = (count: number, what: string, found: (events: CoreV1Event[]) => boolean) =>
    eventually(what, async () => {
      const events = await eventsSince(count);
      return found(events) ? events : undefined;
    });

  it('applies a commit that adds a Rollout; its status names the commit', async () => {
    commits.add = repo.commit(
      {
        'apps/web/rollout.yaml': rolloutYaml('web:1'),
        'apps/web/analysis.yaml': templateYaml,
        'apps/web/service.yaml': serviceYaml,
        'apps/web/settings.yaml': configMapYaml('hello'),
        'README.md': 'not under apps/web: never applied\n',
      },
      'Add web',
    );
    const status = await syncUntil('Synced', (s) => s.phase === 'Synced');
    expect(status.applied?.sha).toBe(commits.add);
    const live = await rollout();
    expect(live.status?.source).toEqual({
      repository: 'https://git.example/shop.git',
      path: 'apps/web',
      revision: commits.add,
    });
    expect(live.metadata.annotations).toMatchObject({
      'bellwether.dev/source-author': 'Jane Doe',
      'bellwether.dev/source-subject': 'Add web',
      'bellwether.dev/synced-by': 'shop',
    });
    const managers = (live.metadata.managedFields ?? []).map((m) => m.manager);
    expect(managers).toContain('bellwether-sync');

    // An unchanged poll makes no write at all.
    const before = rest.writes;
    expect((await sync.poll()).phase).toBe('Synced');
    expect(rest.writes - before).toBe(0);
  });

  it('a second commit changing the image starts a canary whose Events name that commit', async () => {
    commits.bump = repo.commit({ 'apps/web/rollout.yaml': rolloutYaml('web:2') }, 'Bump web to 2', 'Ann Lee');
    await syncUntil(
      'the canary paused',
      (s) => s.applied?.sha === commits.bump && /web Paused/.test(s.message),
    );
    // Events arrive from status.outbox, a moment after the status the sync reads, and not in list
    // order: wait for the ones that name this commit.
    const ofBump = (e: CoreV1Event) => (e.message ?? '').includes(`commit ${short('bump')}`);
    const events = await eventsUntil(
      0,
      'the RolloutStepStarted and RolloutUpdated Events of the bump',
      (es) =>
        ['RolloutStepStarted', 'RolloutUpdated'].every((reason) =>
          es.some((e) => e.reason === reason && ofBump(e)),
        ),
    );
    const started = events.find((e) => e.reason === 'RolloutStepStarted' && ofBump(e));
    expect(started?.message).toContain(`(commit ${short('bump')} "Bump web to 2" by Ann Lee)`);
    const live = await rollout();
    const canaryRs = (await replicaSetsOf(env.c, live)).find(
      (rs) => rs.metadata?.name === `web-${live.status?.currentPodHash ?? ''}`,
    );
    expect(canaryRs?.metadata?.annotations?.['bellwether.dev/source-revision']).toBe(commits.bump);
  });

  it('an abort pulls the andon cord: the sync says so, names the commit, and retries nothing', async () => {
    await patchStatus({ abort: true });
    // The sync reports Aborted as soon as status.abort is set; the controller's message, which the
    // sync's message quotes, then counts the stable pods coming back (each change is one write of
    // the sync status). Wait for all 5 before counting writes: the controller writes that count
    // once the pods have settled (progress-writes.ts), up to 2 minutes while they still move.
    const status = await syncUntil(
      'Aborted, with the stable version back at 5/5',
      (s) => s.phase === 'Aborted' && s.message.includes('has 5/5 available'),
      150_000,
    );
    expect(status.message).toContain(`commit ${short('bump')} "Bump web to 2" by Ann Lee`);
    expect(status.message).toContain('Not retried');
    const seen = (await rolloutEvents(env.c, env.namespace, 'web')).length;
    const writes = rest.writes;
    for (let i = 0; i < 3; i++) expect((await sync.poll()).phase).toBe('Aborted');
    expect(rest.writes - writes).toBe(0);
    expect((await rollout()).status?.abort).toBe(true);
    const later = await eventsSince(seen);
    expect(later.filter((e) => e.reason === 'RolloutStepStarted' || e.reason === 'RolloutRetried')).toEqual(
      [],
    );
  }, 240_000);

  it('git revert of the aborted commit brings the previous version back without the steps', async () => {
    const seen = (await rolloutEvents(env.c, env.namespace, 'web')).length;
    commits.revert = repo.revert(commits.bump ?? '');
    const status = await syncUntil(
      'Synced after the revert',
      (s) => s.phase === 'Synced' && s.applied?.sha === commits.revert,
    );
    expect(status.message).toBe(`applied ${short('revert')}`);
    const live = await rollout();
    expect(live.spec.template?.spec?.containers[0]?.image).toBe('web:1');
    expect(live.status).toMatchObject({ phase: 'Healthy', source: { revision: commits.revert } });
    expect(live.status?.abort).not.toBe(true);
    const events = await eventsSince(seen);
    expect(events.map((e) => e.reason)).not.toContain('RolloutStepStarted');
  });

  it('reverting a promoted commit rolls back through rollbackWindow (steps skipped)', async () => {
    commits.v3 = repo.commit({ 'apps/web/rollout.yaml': rolloutYaml('web:3') }, 'Ship web 3');
    await syncUntil(
      'the canary of web:3 paused',
      (s) => s.applied?.sha === commits.v3 && /web Paused/.test(s.message),
    );
    await patchStatus({ promoteFull: true, pauseConditions: null });
    await syncUntil('web:3 stable', (s) => s.phase === 'Synced' && s.applied?.sha === commits.v3);
    commits.undo3 = repo.revert(commits.v3);
    await syncUntil('web:1 stable again', (s) => s.phase === 'Synced' && s.applied?.sha === commits.undo3);
    const ofUndo = (e: CoreV1Event) => (e.message ?? '').includes(`commit ${short('undo3')}`);
    const events = await eventsUntil(0, 'the rollback-window Event', (es) =>
      es.some((e) => /within the rollback window/.test(e.message ?? '') && ofUndo(e)),
    );
    const window = events.find((e) => /within the rollback window/.test(e.message ?? '') && ofUndo(e));
    expect(window?.message).toContain(`(commit ${short('undo3')} "Revert "Ship web 3"" by Jane Doe)`);
    expect(events.filter((e) => e.reason === 'RolloutStepStarted' && ofUndo(e))).toEqual([]);

    const history = await env.run('history', 'web');
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^1\s+\S+\s+web:1\s+.*\bstable\b.*Add web/);
    expect(lines[2]).toMatch(/^2\s+\S+\s+web:2\s+.*\baborted\b.*Bump web to 2/);
    expect(lines[3]).toMatch(/^3\s+\S+\s+web:3\s+.*superseded \(was stable\).*Ship web 3/);
  });

  it('a commit with one invalid file applies nothing and names the file and field', async () => {
    const settings = async () =>
      (await env.c.core.readNamespacedConfigMap({ name: 'web-settings', namespace: env.namespace })).data;
    commits.bad = repo.commit(
      {
        'apps/web/settings.yaml': configMapYaml('changed'),
        'apps/web/broken.yaml': rolloutYaml('web:4')
          .replace('setWeight: 20', 'setWeight: 120')
          .replace('name: web\n', 'name: broken\n'),
      },
      'Change settings, add a broken rollout',
    );
    const status = await syncUntil('Invalid', (s) => s.phase === 'Invalid');
    expect(status.seen?.sha).toBe(commits.bad);
    expect(status.applied?.sha).toBe(commits.undo3);
    expect(status.problems?.[0]).toMatchObject({
      file: 'apps/web/broken.yaml',
      object: expect.stringContaining('broken') as unknown,
      path: 'spec.strategy.canary.steps[0].setWeight',
    });
    expect(status.message).toContain('apps/web/broken.yaml:');
    expect(await settings()).toEqual({ greeting: 'hello' });

    // An API-server-side error (a Service port out of range) stops the commit as well.
    commits.badPort = repo.commit(
      {
        'apps/web/broken.yaml': null,
        'apps/web/extra-service.yaml': serviceYaml
          .replace('name: web', 'name: extra')
          .replace('port: 80', 'port: 70000'),
      },
      'Add a Service with a bad port',
    );
    const rejected = await syncUntil(
      'Invalid again',
      (s) => s.phase === 'Invalid' && s.seen?.sha === commits.badPort,
    );
    expect(rejected.problems?.[0]?.file).toBe('apps/web/extra-service.yaml');
    expect(rejected.problems?.[0]?.message).toContain('spec.ports[0].port');
    expect(await settings()).toEqual({ greeting: 'hello' });
  });

  it('removing a manifest prunes exactly that object', async () => {
    await env.c.core.createNamespacedConfigMap({
      namespace: env.namespace,
      body: { metadata: { name: 'made-by-hand' }, data: { a: '1' } },
    });
    commits.prune = repo.commit(
      { 'apps/web/extra-service.yaml': null, 'apps/web/settings.yaml': null },
      'Drop the settings',
    );
    await syncUntil(
      'Synced after the prune',
      (s) => s.phase === 'Synced' && s.applied?.sha === commits.prune,
    );
    const configMaps = await env.c.core.listNamespacedConfigMap({ namespace: env.namespace });
    const names = configMaps.items.map((c) => c.metadata?.name).sort();
    expect(names).toEqual(['bellwether-sync-shop', 'kube-root-ca.crt', 'made-by-hand']);
    expect(
      (await env.c.core.listNamespacedService({ namespace: env.namespace })).items.map(
        (s) => s.metadata?.name,
      ),
    ).toEqual(['web']);
    expect((await rollout()).status?.phase).toBe('Healthy');
    const inventory = parseInventory(
      (await env.c.core.readNamespacedConfigMap({ name: inventoryName('shop'), namespace: env.namespace }))
        .data,
    );
    expect(inventory.objects.map((o) => `${o.kind}/${o.name}`).sort()).toEqual([
      'AnalysisTemplate/success-rate',
      'Rollout/web',
      'Service/web',
    ]);

    const cli = await env.run('sync', '--status', '--name', 'shop');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(
      `Synced ${short('prune')} "Drop the settings" by Jane Doe: applied ${short('prune')}`,
    );
    expect(cli.stdout).toContain(`Rollout ${env.namespace}/web: Healthy (commit ${short('prune')}`);
    expect(cli.stdout).toContain('3 object(s) in the inventory');
  });

  it('reports drift made outside Git, diff shows it (exit 1), and --self-heal puts Git back', async () => {
    await env.c.custom.patchNamespacedCustomObject(
      {
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: env.namespace,
        plural: 'rollouts',
        name: 'web',
        body: { spec: { replicas: 2 } },
        fieldManager: 'kubectl-edit',
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const drifted = await syncUntil('drift reported', (s) => (s.drift?.length ?? 0) > 0);
    expect(drifted.drift).toEqual([
      { object: `Rollout ${env.namespace}/web`, paths: ['spec.replicas'], changedBy: ['kubectl-edit'] },
    ]);

    const diff = await env.run('diff', '--repo', repo.dir, '--path', 'apps/web', '--name', 'shop');
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(diff.stdout).toMatch(/^\+\s+replicas: 5$/m);

    const healer = new GitSync(
      rest,
      new GitSource({ url: repo.dir, branch: 'main', workdir }),
      store('shop'),
      {
        name: 'shop',
        namespace: env.namespace,
        repository: 'https://git.example/shop.git',
        branch: 'main',
        path: 'apps/web',
        intervalMs: 1000,
        selfHeal: true,
        log: createLogger('warn'),
      },
    );
    const healed = await healer.poll();
    expect(healed.drift?.[0]).toMatchObject({ paths: ['spec.replicas'], healed: true });
    expect((await rollout()).spec.replicas).toBe(5);
    expect((await healer.poll()).drift).toBeUndefined();
  });

  it('renders a kustomization with kubectl kustomize and applies its output', async () => {
    process.env.BELLWETHER_KUBECTL = existsSync(layout.kubectl) ? layout.kubectl : 'kubectl';
    commits.kustomize = repo.commit(
      {
        'overlays/prod/kustomization.yaml':
          'resources:\n  - settings.yaml\nnamePrefix: prod-\nlabels:\n  - pairs:\n      env: prod\n',
        'overlays/prod/settings.yaml': configMapYaml('from-kustomize'),
      },
      'Add a kustomize overlay',
    );
    const overlay = new GitSync(
      rest,
      new GitSource({ url: repo.dir, branch: 'main', workdir: `${workdir}-k` }),
      store('overlay', 'overlays/prod'),
      {
        name: 'overlay',
        namespace: env.namespace,
        repository: 'https://git.example/shop.git',
        branch: 'main',
        path: 'overlays/prod',
        intervalMs: 1000,
        selfHeal: false,
        log: createLogger('warn'),
      },
    );
    try {
      expect((await overlay.poll()).phase).toBe('Synced');
      const applied = await env.c.core.readNamespacedConfigMap({
        name: 'prod-web-settings',
        namespace: env.namespace,
      });
      expect(applied.data).toEqual({ greeting: 'from-kustomize' });
      expect(applied.metadata?.labels).toEqual({ env: 'prod' });
      expect(applied.metadata?.annotations?.['bellwether.dev/source-revision']).toBe(commits.kustomize);

      // The commit changed nothing under apps/web: the first sync sees it and applies nothing.
      const writes = rest.writes;
      const shop = await sync.poll();
      expect(shop).toMatchObject({
        phase: 'Synced',
        seen: { sha: commits.kustomize },
        applied: { sha: commits.prune },
      });
      expect(rest.writes - writes).toBe(1); // the status: a new commit seen
      expect((await rollout()).metadata.annotations?.['bellwether.dev/source-revision']).toBe(commits.prune);
    } finally {
      rmSync(`${workdir}-k`, { recursive: true, force: true });
    }
  });
});

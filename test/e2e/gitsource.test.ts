import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSourceStatus } from '../../src/api/gitsource.ts';
import { layout } from '../../tools/cluster/layout.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { freePort, GitDaemon } from '../support/git-daemon.ts';
import { LocalRepo } from '../support/git-repo.ts';
import { canaryRolloutYaml } from '../support/manifests.ts';
import { eventually } from '../support/kube.ts';
import { getRollout, rolloutEvents } from '../support/rollouts.ts';
import { SyncControllerProcess } from '../support/controller-process.ts';

// The in-cluster GitOps loop end to end: a GitSource pointing at a repository served by the real
// `git daemon` on loopback, `bellwether sync-controller` as a real process applying its commits
// to the real API server, the Rollout controller rolling them out and naming each commit.

const plainCanary = (image: string) =>
  canaryRolloutYaml({
    replicas: 4,
    image,
    canaryLines: ['      scaleDownDelaySeconds: 0'],
    steps: '        - setWeight: 25\n        - pause: {}\n',
  });

const configMap = (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: ${value}
`;

const GROUP = { group: 'bellwether.dev', version: 'v1alpha1', plural: 'gitsources' };

describe('GitSource and the sync controller', () => {
  const env = useControllerEnv('gitsource');
  const repo = new LocalRepo();
  const daemon = new GitDaemon(repo.dir);
  const workdir = mkdtempSync(join(tmpdir(), 'bellwether-sync-controller-'));
  let controller: SyncControllerProcess;
  let hookPort = 0;
  const commits: Record<string, string> = {};

  const gitSource = (name: string, path: string) => ({
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'GitSource',
    metadata: { name },
    spec: { url: daemon.url, branch: 'main', path, interval: '3s' },
  });
  const status = async (name: string) =>
    (
      (await env.c.custom.getNamespacedCustomObject({ ...GROUP, namespace: env.namespace, name })) as {
        status?: GitSourceStatus;
      }
    ).status ?? {};
  const until = (name: string, what: string, check: (s: GitSourceStatus) => boolean, ms = 120_000) =>
    eventually(
      what,
      async () => {
        const s = await status(name);
        if (check(s)) return s;
        throw new Error(`GitSource ${name}: ${s.phase ?? '-'}: ${s.message ?? ''}`);
      },
      ms,
    );
  const sourceEvents = async (name: string) =>
    (
      await env.c.core.listNamespacedEvent({
        namespace: env.namespace,
        fieldSelector: `involvedObject.kind=GitSource,involvedObject.name=${name}`,
      })
    ).items;
  const short = (key: string) => (commits[key] ?? '').slice(0, 7);

  beforeAll(async () => {
    await daemon.start();
    hookPort = await freePort();
    controller = new SyncControllerProcess(env.kubeconfig, `sync-controller-${env.namespace}`, [
      '--namespace',
      env.namespace,
      '--workdir',
      workdir,
      '--webhook-addr',
      `127.0.0.1:${String(hookPort)}`,
    ]);
    controller.start();
  });
  afterAll(async () => {
    await controller.stop();
    daemon.stop();
    repo.remove();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('applies a commit with a plain canary (no policies given: schema and semantics only)', async () => {
    commits.add = repo.commit(
      {
        'apps/web/rollout.yaml': plainCanary('web:1'),
        'apps/web/settings.yaml': configMap('web-settings', 'a'),
      },
      'Add web',
    );
    await env.c.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: env.namespace,
      body: gitSource('web', 'apps/web'),
    });
    const s = await until(
      'web',
      'web Synced',
      (x) => x.phase === 'Synced' && x.lastAppliedCommit?.sha === commits.add,
    );
    expect(s.lastAppliedCommit).toMatchObject({
      shortSha: short('add'),
      subject: 'Add web',
      author: 'Jane Doe',
    });
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(s.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('False');
    expect(s.inventory?.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      'ConfigMap/web-settings',
      'Rollout/web',
    ]);
    const live = await getRollout(env.c, env.namespace, 'web');
    expect(live.status?.source?.revision).toBe(commits.add);

    // kubectl get gitsources: the printer columns show the commit and the state.
    const kubectl = existsSync(layout.kubectl) ? layout.kubectl : 'kubectl';
    const table = execFileSync(
      kubectl,
      ['--kubeconfig', env.kubeconfig, '-n', env.namespace, 'get', 'gitsources'],
      {
        encoding: 'utf8',
      },
    );
    expect(table.split('\n')[0]).toMatch(/^NAME\s+BRANCH\s+COMMIT\s+STATE\s+READY\s+AGE/);
    expect(table).toMatch(new RegExp(`^web\\s+main\\s+${short('add')}\\s+Synced\\s+True\\s`, 'm'));
  });

  it('an image commit, triggered by the webhook, starts a canary whose Events name the commit', async () => {
    const seen = (await rolloutEvents(env.c, env.namespace, 'web')).length;
    commits.bump = repo.commit({ 'apps/web/rollout.yaml': plainCanary('web:2') }, 'Bump web to 2', 'Ann Lee');
    const other = await fetch(`http://127.0.0.1:${String(hookPort)}/gitsources/${env.namespace}/nope`, {
      method: 'POST',
    });
    expect(other.status).toBe(404);
    const hook = await fetch(`http://127.0.0.1:${String(hookPort)}/gitsources/${env.namespace}/web`, {
      method: 'POST',
      body: '{}',
    });
    expect(hook.status).toBe(202);
    const s = await until(
      'web',
      'the canary of web:2 paused',
      (x) => x.lastAppliedCommit?.sha === commits.bump && x.rollouts?.[0]?.phase === 'Paused',
    );
    expect(s.phase).toBe('Progressing');
    expect(s.message).toContain(`applied ${short('bump')}`);
    const events = (await rolloutEvents(env.c, env.namespace, 'web')).slice(seen);
    expect(events.find((e) => e.reason === 'RolloutStepStarted')?.message).toContain(
      `(commit ${short('bump')} "Bump web to 2" by Ann Lee)`,
    );
    const applied = (await sourceEvents('web')).filter((e) => e.reason === 'Applied').map((e) => e.message);
    expect(applied).toContain(`Applied commit ${short('bump')} "Bump web to 2" by Ann Lee`);
  });

  it('SIGKILLed between two commits, it resumes with no duplicate apply and no lost commit', async () => {
    const before = await getRollout(env.c, env.namespace, 'web');
    await controller.stop('SIGKILL');
    commits.settings = repo.commit(
      { 'apps/web/settings.yaml': configMap('web-settings', 'b') },
      'Change settings',
    );
    controller.start();
    await until(
      'web',
      'the commit made while it was down',
      (x) => x.lastAppliedCommit?.sha === commits.settings,
    );
    const settings = await env.c.core.readNamespacedConfigMap({
      name: 'web-settings',
      namespace: env.namespace,
    });
    expect(settings.data).toEqual({ value: 'b' });
    const after = await getRollout(env.c, env.namespace, 'web');
    // The Rollout was applied again (a new provenance) but its spec is what it was: same generation.
    expect(after.metadata.generation).toBe(before.metadata.generation);
    const applied = (await sourceEvents('web'))
      .filter((e) => e.reason === 'Applied')
      .map((e) => e.message ?? '');
    for (const key of ['add', 'bump', 'settings']) {
      expect(applied.filter((m) => m.startsWith(`Applied commit ${short(key)} `))).toHaveLength(1);
    }
  });

  it('two GitSources keep their own inventories, and neither can take the other one’s objects', async () => {
    commits.other = repo.commit(
      { 'apps/other/settings.yaml': configMap('other-settings', 'x') },
      'Add other',
    );
    await env.c.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: env.namespace,
      body: gitSource('other', 'apps/other'),
    });
    const other = await until(
      'other',
      'other Synced',
      (x) => x.phase === 'Synced' && x.lastAppliedCommit?.sha === commits.other,
    );
    expect(other.inventory?.map((r) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/other-settings']);
    const web = await until('web', 'web saw the commit', (x) => x.lastSeenCommit?.sha === commits.other);
    expect(web.inventory?.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      'ConfigMap/web-settings',
      'Rollout/web',
    ]);

    commits.steal = repo.commit(
      { 'apps/other/web.yaml': configMap('web-settings', 'stolen') },
      'Take web-settings',
    );
    const refused = await until(
      'other',
      'other refuses the commit',
      (x) => x.phase === 'Invalid' && x.lastSeenCommit?.sha === commits.steal,
    );
    expect(refused.problems?.[0]).toMatchObject({
      file: 'apps/other/web.yaml',
      object: `ConfigMap ${env.namespace}/web-settings`,
    });
    expect(refused.problems?.[0]?.message).toContain(
      `already applied by the sync "gitsource.${env.namespace}.web"`,
    );
    expect(refused.andon).toMatchObject({ reason: 'Invalid', commit: { sha: commits.steal } });
    expect(refused.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
    const settings = await env.c.core.readNamespacedConfigMap({
      name: 'web-settings',
      namespace: env.namespace,
    });
    expect(settings.data).toEqual({ value: 'b' });
  });
});

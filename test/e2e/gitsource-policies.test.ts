import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSourceStatus } from '../../src/api/gitsource.ts';
import { applyObjects } from '../../src/install/apply.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { GitDaemon } from '../support/git-daemon.ts';
import { LocalRepo } from '../support/git-repo.ts';
import { canaryRolloutYaml, policiesBoundTo } from '../support/manifests.ts';
import { eventually } from '../support/kube.ts';
import { createRollout } from '../support/rollouts.ts';
import { SyncControllerProcess } from '../support/controller-process.ts';

// What a GitSource refuses, end to end on the real API server and real git: a commit that breaks
// an admission policy the repository itself supplies (and the same file, installed in the
// cluster, enforced by the API server with the same message), and commits that are unsigned or
// signed by an unknown SSH key, while one signed by an allowed key is applied.

const rolloutYaml = (steps: string) => canaryRolloutYaml({ replicas: 2, steps });

const PLAIN = '        - setWeight: 20\n        - pause: {}\n';
const GATED =
  '        - setWeight: 20\n        - analysis:\n            templates:\n              - templateName: ok\n';

const templateYaml = `apiVersion: bellwether.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: ok
spec:
  metrics:
    - name: ok
      successCondition: result == 1
      provider:
        prometheus:
          address: http://127.0.0.1:9
          query: vector(1)
`;

const configMap = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: signed\ndata:\n  value: ${value}\n`;

const GROUP = { group: 'bellwether.dev', version: 'v1alpha1', plural: 'gitsources' };
const POLICY = 'bellwether-canary-analysis-before-full';

describe('GitSource refusals: repository policies and signed commits', () => {
  const env = useControllerEnv('gitsource-refuse');
  const repo = new LocalRepo();
  const daemon = new GitDaemon(repo.dir);
  const workdir = mkdtempSync(join(tmpdir(), 'bellwether-sync-controller-'));
  const keys = mkdtempSync(join(tmpdir(), 'bellwether-keys-'));
  let controller: SyncControllerProcess;
  let installed: KubernetesObject[] = [];
  const commits: Record<string, string> = {};

  const create = (name: string, spec: object) =>
    env.c.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: env.namespace,
      body: { apiVersion: 'bellwether.dev/v1alpha1', kind: 'GitSource', metadata: { name }, spec },
    });
  const until = (name: string, what: string, check: (s: GitSourceStatus) => boolean) =>
    eventually(
      what,
      async () => {
        const object = (await env.c.custom.getNamespacedCustomObject({
          ...GROUP,
          namespace: env.namespace,
          name,
        })) as { status?: GitSourceStatus };
        const s = object.status ?? {};
        if (check(s)) return s;
        throw new Error(`GitSource ${name}: ${s.phase ?? '-'}: ${s.message ?? ''}`);
      },
      120_000,
    );
  const events = async (name: string) =>
    (
      await env.c.core.listNamespacedEvent({
        namespace: env.namespace,
        fieldSelector: `involvedObject.kind=GitSource,involvedObject.name=${name}`,
      })
    ).items;

  beforeAll(async () => {
    await daemon.start();
    controller = new SyncControllerProcess(env.kubeconfig, `sync-controller-${env.namespace}`, [
      '--namespace',
      env.namespace,
      '--workdir',
      workdir,
    ]);
    controller.start();
    for (const name of ['allowed', 'stranger']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(keys, name)]);
    }
  });
  afterAll(async () => {
    await controller.stop();
    for (const obj of [...installed].reverse()) await env.c.objects.delete(obj).catch(() => undefined);
    daemon.stop();
    repo.remove();
    rmSync(workdir, { recursive: true, force: true });
    rmSync(keys, { recursive: true, force: true });
  });

  it('a policy the repository supplies refuses a commit: status names the policy, file:line and field', async () => {
    const policyFiles = Object.fromEntries(
      ['canary-analysis-before-full.yaml', 'canary-max-step-weight.yaml'].map((f) => [
        `policies/${f}`,
        readFileSync(join('deploy/policies', f), 'utf8'),
      ]),
    );
    commits.plain = repo.commit({ ...policyFiles, 'apps/web/rollout.yaml': rolloutYaml(PLAIN) }, 'Add web');
    await create('guarded', {
      url: daemon.url,
      path: 'apps/web',
      interval: '3s',
      policies: { path: 'policies' },
    });
    const s = await until('guarded', 'the commit refused', (x) => x.phase === 'Invalid');
    const stepsLine = rolloutYaml(PLAIN).split('\n').indexOf('      steps:') + 1;
    expect(s.problems?.[0]).toMatchObject({
      file: 'apps/web/rollout.yaml',
      line: stepsLine,
      object: `Rollout ${env.namespace}/web`,
      path: 'spec.strategy.canary.steps',
      message: `policy: ${POLICY}: canary must have an analysis before 100%`,
    });
    expect(s.message).toContain(`apps/web/rollout.yaml:${String(stepsLine)}: Rollout ${env.namespace}/web`);
    expect(s.andon).toMatchObject({ reason: 'Invalid', commit: { sha: commits.plain } });
    expect(s.lastAppliedCommit).toBeUndefined();
    expect((await events('guarded')).map((e) => e.reason)).toContain('Invalid');
    const rollouts: unknown = await env.c.custom.listNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      plural: 'rollouts',
      namespace: env.namespace,
    });
    expect((rollouts as { items: unknown[] }).items).toEqual([]);
  });

  it('the same policy file installed in the cluster: the API server refuses with the same message', async () => {
    installed = policiesBoundTo(env.namespace);
    await applyObjects(env.c.kc, installed, 'bellwether-e2e');
    const manifest = repo.git('show', `${commits.plain ?? ''}:apps/web/rollout.yaml`);
    const body = (await import('yaml')).parse(manifest) as object;
    const reason = await eventually(
      'the API server to enforce the policy',
      async () => {
        try {
          await createRollout(env.c, env.namespace, body);
          throw new Error('accepted');
        } catch (err) {
          const text = String((err as { body?: unknown }).body ?? err);
          if (text.includes(POLICY)) return text;
          throw err;
        }
      },
      60_000,
    );
    expect(reason).toContain('canary must have an analysis before 100%');
  });

  it('a fixed commit passes the policy and is applied', async () => {
    commits.fixed = repo.commit(
      { 'apps/web/rollout.yaml': rolloutYaml(GATED), 'apps/web/template.yaml': templateYaml },
      'Gate web on an analysis',
    );
    const s = await until('guarded', 'the fix applied', (x) => x.lastAppliedCommit?.sha === commits.fixed);
    expect(s.andon).toBeUndefined();
    expect(s.problems).toBeUndefined();
  });

  it('refuses an unsigned commit and one signed by an unknown key; applies one signed by an allowed key', async () => {
    const allowed = readFileSync(join(keys, 'allowed.pub'), 'utf8').trim();
    await env.c.core.createNamespacedConfigMap({
      namespace: env.namespace,
      body: {
        metadata: { name: 'allowed-signers' },
        data: { allowed_signers: `dev@example.com namespaces="git" ${allowed}\n` },
      },
    });
    commits.unsigned = repo.commit({ 'apps/signed/config.yaml': configMap('unsigned') }, 'Unsigned change');
    await create('signed', {
      url: daemon.url,
      path: 'apps/signed',
      interval: '3s',
      verify: { format: 'ssh', configMapRef: { name: 'allowed-signers', key: 'allowed_signers' } },
    });
    const unsigned = await until('signed', 'the unsigned commit refused', (x) => x.phase === 'Invalid');
    expect(unsigned.problems?.[0]).toMatchObject({ path: 'signature', message: 'the commit is not signed' });
    expect(unsigned.message).toContain(`commit ${commits.unsigned.slice(0, 7)} not applied`);
    expect(unsigned.andon).toMatchObject({ reason: 'SignatureRefused', commit: { sha: commits.unsigned } });
    expect(unsigned.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('SignatureRefused');

    commits.stranger = repo.commit(
      { 'apps/signed/config.yaml': configMap('stranger') },
      'Signed by a stranger',
      'Jane Doe',
      join(keys, 'stranger'),
    );
    const stranger = await until(
      'signed',
      'the unknown signer refused',
      (x) => x.phase === 'Invalid' && x.lastSeenCommit?.sha === commits.stranger,
    );
    expect(stranger.problems?.[0]?.path).toBe('signature');
    expect(stranger.problems?.[0]?.message).toMatch(/^signed by a key that is not allowed \(key SHA256:/);
    const missing = await env.c.core
      .readNamespacedConfigMap({ name: 'signed', namespace: env.namespace })
      .then(
        () => 'exists',
        () => 'absent',
      );
    expect(missing).toBe('absent');
    const refusals = (await events('signed')).filter((e) => e.reason === 'SignatureRefused');
    expect(refusals.map((e) => e.message ?? '').join('\n')).toContain(commits.stranger.slice(0, 7));

    commits.allowed = repo.commit(
      { 'apps/signed/config.yaml': configMap('allowed') },
      'Signed by an allowed key',
      'Jane Doe',
      join(keys, 'allowed'),
    );
    const ok = await until(
      'signed',
      'the signed commit applied',
      (x) => x.lastAppliedCommit?.sha === commits.allowed,
    );
    expect(ok.phase).toBe('Synced');
    expect(ok.andon).toBeUndefined();
    const applied = await env.c.core.readNamespacedConfigMap({ name: 'signed', namespace: env.namespace });
    expect(applied.data).toEqual({ value: 'allowed' });
  });
});

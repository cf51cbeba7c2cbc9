import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { KubeConfig, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import { objectKey, renderKustomization } from '../../src/install/kustomization.ts';
import { layout, repoRoot } from '../../tools/cluster/layout.ts';
import { bellwether } from '../support/cli.ts';
import { ControllerProcess } from '../support/controller-process.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real kubectl: the local plane's build, else the one on PATH (e.g. next to a kind cluster). */
const kubectlPath = existsSync(layout.kubectl) ? layout.kubectl : 'kubectl';

function kubectl(kubeconfig: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      kubectlPath,
      ['--kubeconfig', kubeconfig, ...args],
      { cwd: repoRoot, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A kubeconfig for the same API server that authenticates as a ServiceAccount token. */
function tokenKubeconfig(adminKubeconfig: string, token: string, path: string): string {
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`${adminKubeconfig}: no current cluster`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'service-account', token }],
    contexts: [{ name: 'service-account', cluster: cluster.name, user: 'service-account' }],
    currentContext: 'service-account',
  });
  writeFileSync(path, kc.exportConfig());
  return path;
}

/** Comparable form of a rendered object: what the API server would receive. */
const plain = (objects: KubernetesObject[]) =>
  Object.fromEntries(objects.map((o) => [objectKey(o), JSON.parse(JSON.stringify(o)) as unknown]));

const secretReaderFile = 'deploy/rbac/secret-reader-role.yaml';
const serviceAccount = 'system:serviceaccount:bellwether:bellwether';

// The shipped install (deploy/) on a real API server with the real kubectl, and the controller
// running with only the ServiceAccount's permissions through a canary with analysis. The base's
// names are fixed (namespace bellwether, ClusterRole bellwether...): they are deleted at the end.
describe('install (deploy/, bellwether install/uninstall)', () => {
  const kubeconfig = inject('kubeconfig');
  const resultsDir = join(repoRoot, 'test-results');
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'install');
    mkdirSync(resultsDir, { recursive: true });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    // cluster-scoped objects and the bellwether namespace, whatever state a failure left
    await bellwether(kubeconfig, ['uninstall']);
    await ns.cleanup();
  });

  const can = async (args: string[]) => {
    const r = await kubectl(kubeconfig, ['auth', 'can-i', ...args, '--as', serviceAccount]);
    return r.stdout.trim();
  };

  it('kubectl apply -k deploy/ installs what bellwether renders; the Deployment becomes available', async () => {
    const rendered = await kubectl(kubeconfig, ['kustomize', 'deploy']);
    expect(rendered.code, rendered.stderr).toBe(0);
    const ours = renderKustomization(join(repoRoot, 'deploy')).map((r) => r.object);
    expect(plain(ours)).toEqual(plain(loadAllYaml(rendered.stdout) as KubernetesObject[]));

    const started = Date.now();
    const applied = await kubectl(kubeconfig, ['apply', '--server-side', '-k', 'deploy']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(
      /clusterrole\.rbac\.authorization\.k8s\.io\/bellwether serverside-applied/,
    );
    // pods of the restricted Pod Security level: the namespace enforces it, kwok runs them
    const deployment = await eventually(
      'deployment bellwether with 2 available replicas',
      async () => {
        const d = await c.apps.readNamespacedDeployment({ name: 'bellwether', namespace: 'bellwether' });
        return (d.status?.availableReplicas ?? 0) === 2 ? d : undefined;
      },
      120_000,
    );
    process.stderr.write(
      `[install] kubectl apply -k deploy/ to 2 available replicas: ${Date.now() - started} ms\n`,
    );
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment.spec?.template.spec?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('the ServiceAccount cannot read Secrets anywhere until a namespace grants it', async () => {
    expect(await can(['get', 'secrets', '--all-namespaces'])).toBe('no');
    expect(await can(['get', 'secrets', '-n', ns.name])).toBe('no');
    expect(await can(['list', 'rollouts.bellwether.dev', '--all-namespaces'])).toBe('yes');
    expect(await can(['update', 'leases.coordination.k8s.io', '-n', 'bellwether'])).toBe('yes');
    expect(await can(['update', 'leases.coordination.k8s.io', '-n', 'kube-system'])).toBe('no');

    const granted = await kubectl(kubeconfig, ['apply', '-n', ns.name, '-f', secretReaderFile]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(await can(['get', 'secrets', '-n', ns.name])).toBe('yes');
    expect(await can(['get', 'secrets', '-n', 'default'])).toBe('no');
    expect(await can(['get', 'secrets', '--all-namespaces'])).toBe('no');
    expect(await can(['list', 'secrets', '-n', ns.name])).toBe('no');
    // taken back: the next test starts without it
    const revoked = await kubectl(kubeconfig, ['delete', '-n', ns.name, '-f', secretReaderFile]);
    expect(revoked.code, revoked.stderr).toBe(0);
  });

  it('the controller with only the ServiceAccount token takes a canary with analysis to Healthy', async () => {
    const created = await kubectl(kubeconfig, ['create', 'token', 'bellwether', '-n', 'bellwether']);
    expect(created.code, created.stderr).toBe(0);
    const saKubeconfig = tokenKubeconfig(
      kubeconfig,
      created.stdout.trim(),
      join(resultsDir, `${ns.name}-sa.kubeconfig`),
    );
    // the analysis: a web check that only answers 1 to the bearer token kept in a Secret
    const token = `t-${Math.random().toString(36).slice(2)}`;
    const checks: string[] = [];
    const server: Server = createServer((req, res) => {
      checks.push(req.headers.authorization ?? '');
      const ok = req.headers.authorization === `Bearer ${token}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: ok ? 1 : 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    await c.core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'smoke-token' }, stringData: { token } },
    });
    await c.custom.createNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: ns.name,
      plural: 'analysistemplates',
      body: {
        apiVersion: 'bellwether.dev/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'smoke' },
        spec: {
          args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'smoke-token', key: 'token' } } }],
          metrics: [
            {
              name: 'smoke',
              // long enough (~4s at 50%) for the test to see the HTTPRoute's weights mid-step
              interval: '2s',
              count: 3,
              successCondition: 'result == 1',
              provider: {
                web: {
                  url: `http://127.0.0.1:${port}/check`,
                  headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
                  jsonPath: '{$.ok}',
                },
              },
            },
          ],
        },
      },
    });
    for (const name of ['web-stable', 'web-canary'])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
    // traffic through a Gateway API HTTPRoute: the ClusterRole's get/patch on httproutes
    await c.objects.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        parentRefs: [{ name: 'gateway' }],
        rules: [
          {
            backendRefs: [
              { name: 'web-stable', port: 80, weight: 100 },
              { name: 'web-canary', port: 80, weight: 0 },
            ],
          },
        ],
      },
    } as KubernetesObject);
    const routeWeights = async () => {
      type Route = KubernetesObject & {
        spec: { rules: { backendRefs: { name: string; weight: number }[] }[] };
      };
      const route = await c.objects.read<Route>({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'web', namespace: ns.name },
      });
      return route.spec.rules[0]?.backendRefs.map((b) => `${b.name}=${String(b.weight)}`).join(' ');
    };
    // a shard of its own, so this cluster-wide controller leaves other test files' Rollouts alone
    const instanceId = ns.name;
    const controller = new ControllerProcess(saKubeconfig, `controller-${ns.name}`, [
      ...['--leader-election-namespace', 'bellwether', '--instance-id', instanceId],
    ]);
    controller.start();
    cleanups.push(() => controller.stop());

    const rollout = canaryRollout('web', 'web:1', {
      replicas: 2,
      strategy: {
        canary: {
          canaryService: 'web-canary',
          stableService: 'web-stable',
          trafficRouting: { gatewayAPI: { httpRoute: 'web' } },
          steps: [
            { setWeight: 50 },
            { analysis: { templates: [{ templateName: 'smoke' }] } },
            { setWeight: 100 },
          ],
        },
      },
    }) as { metadata: Record<string, unknown> };
    rollout.metadata.annotations = { 'bellwether.dev/instance-id': instanceId };
    await createRollout(c, ns.name, rollout);
    const phase = async () => (await getRollout(c, ns.name, 'web')).status?.phase;
    await eventually(
      'web:1 Healthy',
      async () => ((await phase()) === 'Healthy' ? true : undefined),
      120_000,
    );

    // without the secret-reader Role the analysis cannot read its Secret: a clear Error, abort
    const run = (args: string[]) => bellwether(kubeconfig, [...args, '-n', ns.name]);
    expect((await run(['set', 'image', 'web', 'app=web:2'])).code).toBe(0);
    const failed = await eventually(
      'the AnalysisRun in phase Error',
      async () => {
        const runs = (await c.custom.listNamespacedCustomObject({
          group: 'bellwether.dev',
          version: 'v1alpha1',
          namespace: ns.name,
          plural: 'analysisruns',
        })) as { items: AnalysisRun[] };
        return runs.items.find((r) => r.status?.phase === 'Error');
      },
      120_000,
    );
    expect(failed.status?.message).toMatch(/cannot read Secret "smoke-token".*forbidden/);
    expect(failed.status?.message).toContain(secretReaderFile);
    await eventually('Degraded (aborted)', async () => ((await phase()) === 'Degraded' ? true : undefined));

    // granted in this namespace only, a retry goes through the analysis to Healthy
    expect((await kubectl(kubeconfig, ['apply', '-n', ns.name, '-f', secretReaderFile])).code).toBe(0);
    expect(await routeWeights()).toBe('web-stable=100 web-canary=0');
    expect((await run(['retry', 'web'])).code).toBe(0);
    await eventually(
      'half the traffic on the canary during the analysis',
      async () => ((await routeWeights()) === 'web-stable=50 web-canary=50' ? true : undefined),
      120_000,
    );
    const healthy = await eventually(
      'web:2 Healthy after the analysis',
      async () => {
        const ro = await getRollout(c, ns.name, 'web');
        return ro.status?.phase === 'Healthy' && ro.status.currentStepIndex === 3 ? ro : undefined;
      },
      150_000,
    );
    expect(healthy.spec.template?.spec?.containers[0]?.image).toBe('web:2');
    expect(checks).toContain(`Bearer ${token}`);
    // the Lease of this shard is in the install's namespace
    const lease = (await c.objects.read({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: `bellwether-controller-${instanceId}`, namespace: 'bellwether' },
    })) as { spec?: { holderIdentity?: string } };
    expect(lease.spec?.holderIdentity).toMatch(/_\d+$/);
    expect(await routeWeights()).toBe('web-stable=100 web-canary=0');
    // deleted while the controller runs: it restores routing and Services, then lets it go
    await c.custom.deleteNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: ns.name,
      plural: 'rollouts',
      name: 'web',
    });
    await eventually('the Rollout gone (finalizer removed)', async () => {
      try {
        await getRollout(c, ns.name, 'web');
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code === 404 ? true : undefined;
      }
    });
    expect(await controller.stop()).toBe(0);
  }, 400_000);

  it('deploy/namespaced: namespaced objects only; its controller works in its namespace and nowhere else', async () => {
    const own = await testNamespace(c, 'install-ns');
    cleanups.push(() => own.cleanup());
    // an operator's overlay: the NamespaceTransformer also moves the RoleBinding subjects
    const overlay = join(resultsDir, own.name);
    mkdirSync(overlay, { recursive: true });
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      dump({
        resources: ['../../deploy/namespaced'],
        transformers: [
          dump({
            apiVersion: 'builtin',
            kind: 'NamespaceTransformer',
            metadata: { name: 'namespace', namespace: own.name },
            setRoleBindingSubjects: 'allServiceAccounts',
          }),
        ],
      }),
    );
    const rendered = loadAllYaml(
      (await kubectl(kubeconfig, ['kustomize', overlay])).stdout,
    ) as KubernetesObject[];
    expect(rendered.every((o) => o.metadata?.namespace === own.name)).toBe(true);
    const applied = await kubectl(kubeconfig, ['apply', '--server-side', '-k', overlay]);
    expect(applied.code, applied.stderr).toBe(0);
    // the cluster admin's part: ClusterAnalysisTemplates are cluster-scoped
    const binding = `bellwether-${own.name}`;
    const bound = await kubectl(kubeconfig, [
      ...['create', 'clusterrolebinding', binding, '--clusterrole=bellwether-clusteranalysistemplate-reader'],
      `--serviceaccount=${own.name}:bellwether`,
    ]);
    expect(bound.code, bound.stderr).toBe(0);
    cleanups.push(() => kubectl(kubeconfig, ['delete', 'clusterrolebinding', binding]));

    const as = `system:serviceaccount:${own.name}:bellwether`;
    const canNs = async (args: string[]) =>
      (await kubectl(kubeconfig, ['auth', 'can-i', ...args, '--as', as])).stdout.trim();
    expect(await canNs(['patch', 'rollouts.bellwether.dev/status', '-n', own.name])).toBe('yes');
    expect(await canNs(['update', 'leases.coordination.k8s.io', '-n', own.name])).toBe('yes');
    expect(await canNs(['list', 'clusteranalysistemplates.bellwether.dev'])).toBe('yes');
    expect(await canNs(['list', 'rollouts.bellwether.dev', '-n', ns.name])).toBe('no');
    expect(await canNs(['list', 'rollouts.bellwether.dev', '--all-namespaces'])).toBe('no');
    expect(await canNs(['get', 'secrets', '-n', own.name])).toBe('no');

    // the controller as the Deployment runs it, with that ServiceAccount's token
    const created = await kubectl(kubeconfig, ['create', 'token', 'bellwether', '-n', own.name]);
    expect(created.code, created.stderr).toBe(0);
    const saKubeconfig = tokenKubeconfig(kubeconfig, created.stdout.trim(), join(overlay, 'sa.kubeconfig'));
    const deployment = await c.apps.readNamespacedDeployment({ name: 'bellwether', namespace: own.name });
    const args = deployment.spec?.template.spec?.containers[0]?.args ?? [];
    expect(args).toContain('--namespace=$(POD_NAMESPACE)');
    const controller = new ControllerProcess(
      saKubeconfig,
      `controller-${own.name}`,
      args
        .slice(1)
        .map((a) => a.replace('$(POD_NAMESPACE)', own.name))
        .filter((a) => !/^--(health|metrics)-addr/.test(a)),
    );
    controller.start();
    cleanups.push(() => controller.stop());
    await createRollout(
      c,
      own.name,
      canaryRollout('app', 'app:1', { replicas: 1, strategy: { canary: { steps: [{ setWeight: 50 }] } } }),
    );
    await eventually(
      'Healthy under the namespaced controller',
      async () => ((await getRollout(c, own.name, 'app')).status?.phase === 'Healthy' ? true : undefined),
      120_000,
    );
    expect(await controller.stop()).toBe(0);
  }, 300_000);

  it('bellwether uninstall then install: a round trip; CRDs and Rollouts stay without --crds', async () => {
    await createRollout(c, ns.name, canaryRollout('keep', 'keep:1', { strategy: { canary: { steps: [] } } }));
    const removed = await bellwether(kubeconfig, ['uninstall', '--wait'], 180_000);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('ClusterRole/bellwether deleted');
    expect(removed.stdout).not.toMatch(/^CustomResourceDefinition\//m);
    await expect(c.core.readNamespace({ name: 'bellwether' })).rejects.toMatchObject({ code: 404 });
    // the Rollouts outlive the controller
    expect((await getRollout(c, ns.name, 'keep')).metadata.name).toBe('keep');

    const started = Date.now();
    const installed = await bellwether(kubeconfig, ['install', '--wait'], 180_000);
    expect(installed.code, installed.stderr).toBe(0);
    process.stderr.write(`[install] bellwether install --wait: ${Date.now() - started} ms\n`);
    expect(installed.stdout).toContain('Deployment/bellwether/bellwether available');
    const count = renderKustomization(join(repoRoot, 'deploy')).length;
    expect(installed.stdout).toMatch(new RegExp(`^installed ${count} objects`, 'm'));
    expect(await can(['get', 'secrets', '--all-namespaces'])).toBe('no');

    // --crds would delete every Rollout: shown with a server dry run, nothing is deleted
    const dry = await bellwether(kubeconfig, ['uninstall', '--crds', '--dry-run=server']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('CustomResourceDefinition/rollouts.bellwether.dev deleted (server dry run)');
    expect((await getRollout(c, ns.name, 'keep')).metadata.name).toBe('keep');

    const again = await bellwether(kubeconfig, ['uninstall', '--wait'], 180_000);
    expect(again.code, again.stderr).toBe(0);
    for (const name of [
      'bellwether',
      'bellwether-leader-election',
      'bellwether-clusteranalysistemplate-reader',
    ])
      await expect(
        c.objects.read({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name },
        }),
      ).rejects.toMatchObject({ code: 404 });
  }, 400_000);
});

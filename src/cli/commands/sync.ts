import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { defaultNamespace, loadKubeConfig } from '../../kube/kubeconfig.ts';
import { createLogger, isLevel } from '../../log.ts';
import { secretCredentials } from '../../sync/credentials.ts';
import { displayUrl, GitSource, type GitCredentials } from '../../sync/git.ts';
import { inventoryName, parseInventory, statusLine, type SyncStatus } from '../../sync/inventory.ts';
import { KubeRest } from '../../sync/kube-rest.ts';
import { ConfigMapStore } from '../../sync/store.ts';
import { GitSync } from '../../sync/sync-loop.ts';
import { startWebhook } from '../../sync/webhook.ts';
import { clusterFlags, parseDurationFlag, parseFlags, UsageError } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

export const syncUsage = `bellwether sync --repo URL [--branch main] [--path .] [--name NAME] [--interval 30s] [--once]
    [--self-heal] [--no-prune] [--policies PATH] [--no-cluster-policies] [--webhook-addr :9095]
    [--credentials-secret NAME] [--workdir DIR] [--depth 1] [--git-timeout 60s] [--log-level info]
    [-n NS] [--kubeconfig PATH]
bellwether sync --status [--name NAME | --repo URL [--path P]] [-n NS]

Follows one branch and path of a Git repository (https, ssh or a local path) and applies each
new commit with server-side apply (field manager bellwether-sync): everything is validated first
(lint, then a server dry run), one invalid file and nothing of the commit is applied. Objects
the previous commit applied and this one dropped are pruned (unless --no-prune). Admission
policies: those of --policies PATH (a directory of the repository) and those installed in the
cluster (unless --no-cluster-policies). The inventory and the sync status are in the ConfigMap
bellwether-sync-NAME in -n NS. The in-cluster form of the same sync is a GitSource
(bellwether sync-controller). Credentials: the Secret --credentials-secret
(keys username + password or token, or ssh-privatekey) or BELLWETHER_GIT_USERNAME,
BELLWETHER_GIT_PASSWORD, BELLWETHER_GIT_SSH_KEY. See docs/gitops.md.`;

const flags = {
  ...clusterFlags,
  repo: { type: 'string' },
  branch: { type: 'string' },
  path: { type: 'string' },
  name: { type: 'string' },
  interval: { type: 'string' },
  once: { type: 'boolean' },
  status: { type: 'boolean' },
  'self-heal': { type: 'boolean' },
  'no-prune': { type: 'boolean' },
  policies: { type: 'string' },
  'no-cluster-policies': { type: 'boolean' },
  'webhook-addr': { type: 'string' },
  'credentials-secret': { type: 'string' },
  workdir: { type: 'string' },
  depth: { type: 'string' },
  'git-timeout': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/** A DNS label from the repository's base name and the path: `shop-apps-web`. */
export function defaultSyncName(repo: string, path: string): string {
  const base = basename(repo.replace(/\/+$/, '')).replace(/\.git$/, '');
  const raw = path === '.' || path === '' ? base : `${base}-${path}`;
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return name === '' ? 'default' : name;
}

async function credentialsFrom(
  rest: KubeRest,
  namespace: string,
  secret: string | undefined,
): Promise<GitCredentials> {
  const env = process.env;
  if (secret) return secretCredentials(rest, namespace, secret, '--credentials-secret');
  return {
    ...(env.BELLWETHER_GIT_USERNAME ? { username: env.BELLWETHER_GIT_USERNAME } : {}),
    ...(env.BELLWETHER_GIT_PASSWORD ? { password: env.BELLWETHER_GIT_PASSWORD } : {}),
    ...(env.BELLWETHER_GIT_SSH_KEY ? { sshPrivateKey: env.BELLWETHER_GIT_SSH_KEY } : {}),
  };
}

function exitCodeOf(status: SyncStatus): number {
  return status.phase === 'Synced' || status.phase === 'Progressing' ? 0 : 1;
}

async function printStatus(rest: KubeRest, namespace: string, name: string, out: Out): Promise<number> {
  const configMap = await rest.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace,
    name: inventoryName(name),
  });
  const inventory = parseInventory(configMap?.data as Record<string, string> | undefined);
  if (!configMap || !inventory.status) {
    out(`no sync status: ConfigMap ${namespace}/${inventoryName(name)} not found or empty\n`);
    return 1;
  }
  const status = inventory.status;
  out(`${statusLine(status)}\n`);
  out(`repository ${status.repository} branch ${status.branch} path ${status.path} since ${status.since}\n`);
  for (const p of status.problems ?? [])
    out(
      `  ${p.file}:${String(p.line)}:${String(p.col)}: ${[p.object, p.path, p.message].filter(Boolean).join(': ')}\n`,
    );
  for (const r of status.rollouts ?? [])
    out(`  Rollout ${r.namespace}/${r.name}: ${r.phase}${r.commit ? ` (commit ${r.commit})` : ''}\n`);
  for (const d of status.drift ?? [])
    out(
      `  drift ${d.object}: ${d.paths.join(', ')}${d.changedBy.length > 0 ? ` (by ${d.changedBy.join(', ')})` : ''}\n`,
    );
  out(`  ${String(inventory.objects.length)} object(s) in the inventory\n`);
  return exitCodeOf(status);
}

type SyncValues = ReturnType<typeof parseFlags<typeof flags>>['values'];

/** The checked flags of a sync run; usage errors before anything starts. */
function runOptions(values: SyncValues) {
  const repo = values.repo;
  if (!repo) throw new UsageError('sync: missing --repo URL');
  const path = values.path ?? '.';
  const name = values.name ?? defaultSyncName(repo, path);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new UsageError(`sync: --name "${name}" must be a DNS label (lowercase letters, digits, -)`);
  }
  const intervalMs = parseDurationFlag(values.interval ?? '30s', 'interval');
  if (intervalMs < 1000) throw new UsageError('sync: --interval must be at least 1s');
  const depth = Number(values.depth ?? 1);
  if (!Number.isInteger(depth) || depth < 1) throw new UsageError('sync: --depth must be a positive integer');
  const gitTimeoutMs = parseDurationFlag(values['git-timeout'] ?? '60s', 'git-timeout');
  return { repo, path, name, intervalMs, depth, gitTimeoutMs, branch: values.branch ?? 'main' };
}

/** `sync`: see syncUsage. */
export async function syncCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values } = parseFlags(args, flags, 'sync');
  const level = values['log-level'] ?? 'info';
  if (!isLevel(level))
    throw new UsageError(`sync: --log-level: "${level}" is not one of debug, info, warn, error`);
  if (values.status) {
    if (!values.name && !values.repo) throw new UsageError('sync --status: give --name or --repo');
  }
  const options = values.status ? undefined : runOptions(values);
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const namespace = values.namespace ?? defaultNamespace(kc);
  const rest = new KubeRest(kc);
  if (!options) {
    const name = values.name ?? defaultSyncName(values.repo ?? '', values.path ?? '.');
    return printStatus(rest, namespace, name, out);
  }
  const { repo, path, name, branch } = options;
  const log = createLogger(level, { component: 'sync', sync: name });
  const git = new GitSource({
    url: repo,
    branch,
    workdir: values.workdir ?? join(tmpdir(), `bellwether-sync-${namespace}-${name}`),
    depth: options.depth,
    timeoutMs: options.gitTimeoutMs,
    credentials: await credentialsFrom(rest, namespace, values['credentials-secret']),
  });
  const store = new ConfigMapStore(rest, { namespace, name, repository: displayUrl(repo), path });
  const sync = new GitSync(rest, git, store, {
    name,
    namespace,
    repository: displayUrl(repo),
    branch,
    path,
    intervalMs: options.intervalMs,
    selfHeal: values['self-heal'] ?? false,
    prune: values['no-prune'] !== true,
    policies: {
      ...(values.policies ? { path: values.policies } : {}),
      fromCluster: values['no-cluster-policies'] !== true,
    },
    log,
  });
  if (values.once) {
    const status = await sync.poll();
    out(`${statusLine(status)}\n`);
    return exitCodeOf(status);
  }
  const stop = new AbortController();
  const onSignal = () => {
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const addr = values['webhook-addr'];
  const webhook = addr
    ? await startWebhook(addr, branch, (reason) => {
        log.info('webhook: poll now', { reason });
        sync.trigger();
      })
    : undefined;
  log.info('sync started', {
    repository: displayUrl(repo),
    path,
    intervalMs: options.intervalMs,
    webhook: addr,
  });
  await sync.run(stop.signal);
  webhook?.close();
  return 0;
}

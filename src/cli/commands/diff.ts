import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultNamespace, loadKubeConfig } from '../../kube/kubeconfig.ts';
import { formatText } from '../../lint/lint.ts';
import { describeError } from '../../log.ts';
import { applyObject, prepare, type Prepared } from '../../sync/apply.ts';
import { readableDiff } from '../../sync/drift.ts';
import { displayUrl, GitSource } from '../../sync/git.ts';
import { inventoryName, parseInventory, pruneSet } from '../../sync/inventory.ts';
import { describeRef, KubeRest, refOf } from '../../sync/kube-rest.ts';
import { renderPath } from '../../sync/render.ts';
import { clusterFlags, parseFlags, UsageError } from '../flags.ts';
import { defaultSyncName } from './sync.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

const flags = {
  ...clusterFlags,
  repo: { type: 'string' },
  branch: { type: 'string' },
  path: { type: 'string' },
  name: { type: 'string' },
} as const;

/**
 * `diff DIR | --repo URL [--branch B] [--path P] [--name NAME]`: what applying would change in
 * the cluster, from a server-side dry-run apply of each object compared with the live one (status,
 * server bookkeeping and provenance left out). With a sync's inventory (--name, or the name the
 * sync derives from --repo and --path), objects the sync would prune are listed too. Exit 0: no
 * difference; 1: differences; 2: the manifests are invalid.
 */
export async function diffCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, flags, 'diff');
  const dir = positionals[0];
  if ((dir === undefined) === (values.repo === undefined))
    throw new UsageError('diff: give a DIR or --repo URL (one of them)');
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const namespace = values.namespace ?? defaultNamespace(kc);
  const rest = new KubeRest(kc);
  const path = values.path ?? '.';
  let root = dir ?? '';
  let workdir: string | undefined;
  let source;
  if (values.repo) {
    workdir = mkdtempSync(join(tmpdir(), 'bellwether-diff-'));
    const git = new GitSource({ url: values.repo, branch: values.branch ?? 'main', workdir });
    const commit = await git.fetch();
    source = { repository: displayUrl(values.repo), path, commit };
    root = workdir;
    out(`# commit ${commit.sha.slice(0, 7)} "${commit.subject}" by ${commit.author}\n`);
  }
  try {
    const rendered = await renderPath(root, values.repo ? path : '.');
    const name = values.name ?? (values.repo ? defaultSyncName(values.repo, path) : 'diff');
    const errors = rendered.problems.filter((p) => p.severity === 'error');
    const prepared =
      errors.length === 0
        ? await prepare(rest, rendered.manifests, {
            namespace,
            syncName: name,
            ...(source ? { source } : {}),
          })
        : undefined;
    const problems = prepared ? prepared.problems : errors;
    if (!prepared || problems.length > 0) {
      out(formatText(problems));
      return 2;
    }
    let differences = await diffObjects(rest, prepared.prepared, out);
    if (values.name !== undefined || values.repo !== undefined) {
      const configMap = await rest.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace,
        name: inventoryName(name),
      });
      const inventory = parseInventory(configMap?.data as Record<string, string> | undefined);
      for (const ref of pruneSet(
        inventory.objects,
        prepared.prepared.map((p) => refOf(p.object)),
      )) {
        differences++;
        out(`- would prune ${describeRef(ref)}\n`);
      }
    }
    return differences === 0 ? 0 : 1;
  } finally {
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  }
}

/** Prints the diff of each object against the cluster; returns how many differ. */
async function diffObjects(rest: KubeRest, prepared: readonly Prepared[], out: Out): Promise<number> {
  let differences = 0;
  for (const { object } of prepared) {
    const ref = refOf(object);
    const live = await rest.get(ref);
    let wouldBe;
    try {
      wouldBe = await applyObject(rest, object, true);
    } catch (err) {
      differences++;
      out(`! ${describeRef(ref)} cannot be applied over the live object: ${describeError(err)}\n`);
      continue;
    }
    const text = readableDiff(describeRef(ref).replace(' ', '/'), live, wouldBe);
    if (text === '') continue;
    differences++;
    out(live ? text : `+ new ${describeRef(ref)}\n${text}`);
  }
  return differences;
}

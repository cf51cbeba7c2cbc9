/**
 * From a checked-out commit to the objects to apply: the YAML files under the synced path (or the
 * output of `kubectl kustomize` when a kustomization is there), each object with the file and
 * line it came from, checked offline by `bellwether lint` plus the shape every Kubernetes object
 * needs. `applyOrder` is pure.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { lintParsed, sortProblems, type LintOptions, type Problem } from '../lint/lint.ts';
import { parseYaml, readYamlFiles, yamlFilesUnder, type ParsedFile } from '../lint/source.ts';
import type { KubeObject } from './kube-rest.ts';

export interface Manifest {
  object: KubeObject;
  /** Path relative to the repository root, e.g. `apps/web/rollout.yaml`. */
  file: string;
  line: number;
}

export interface Rendered {
  manifests: Manifest[];
  /** Errors stop the whole commit; warnings are reported. */
  problems: Problem[];
}

const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Renders `path` of the work tree `root`; file names in the result are relative to `root`. */
export async function renderPath(
  root: string,
  path: string,
  lint: LintOptions = {},
  timeoutMs = 60_000,
): Promise<Rendered> {
  const dir = resolve(root, path);
  if (dir !== resolve(root) && !dir.startsWith(resolve(root) + sep)) {
    throw new Error(`--path ${path} leaves the repository`);
  }
  if (!existsSync(dir)) throw new Error(`path "${path}" does not exist in the repository`);
  const kustomization = statSync(dir).isDirectory()
    ? KUSTOMIZATIONS.find((name) => existsSync(join(dir, name)))
    : undefined;
  let parsed: ParsedFile[];
  if (kustomization) {
    const text = await kustomize(dir, timeoutMs);
    parsed = [parseYaml(`${relative(root, join(dir, kustomization))} (rendered)`, text)];
  } else {
    const files = yamlFilesUnder([dir]);
    parsed = readYamlFiles(files).map((file, index) => renamed(file, relative(root, files[index] ?? '')));
  }
  return checkRendered(parsed, lint);
}

function renamed(file: ParsedFile, name: string): ParsedFile {
  return {
    documents: file.documents.map((doc) => ({ ...doc, file: name })),
    syntaxErrors: file.syntaxErrors.map((error) => ({ ...error, file: name })),
  };
}

function kustomize(dir: string, timeoutMs: number): Promise<string> {
  const kubectl = process.env.BELLWETHER_KUBECTL ?? 'kubectl';
  return new Promise((resolvePromise, reject) => {
    execFile(
      kubectl,
      ['kustomize', dir],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, out, errOut) => {
        if (err) reject(new Error(`kubectl kustomize ${dir}: ${errOut.trim() || err.message}`));
        else resolvePromise(out);
      },
    );
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lint (schema, CEL, references, the policies given) plus apiVersion/kind/metadata.name on every object. Pure. */
export function checkRendered(files: readonly ParsedFile[], lint: LintOptions = {}): Rendered {
  const problems = lintParsed(files, lint);
  const manifests: Manifest[] = [];
  for (const file of files) {
    for (const doc of file.documents) {
      if (doc.value === null || doc.value === undefined) continue;
      const value = doc.value;
      const missing = !isRecord(value)
        ? ['the document']
        : [
            typeof value.apiVersion === 'string' ? undefined : 'apiVersion',
            typeof value.kind === 'string' ? undefined : 'kind',
            isRecord(value.metadata) && typeof value.metadata.name === 'string' ? undefined : 'metadata.name',
          ].filter((field): field is string => field !== undefined);
      if (missing.length > 0 || !isRecord(value)) {
        for (const field of missing) {
          const { line, col } = doc.positionOf(field === 'the document' ? '' : field);
          const message = field === 'the document' ? 'is not a Kubernetes object' : 'is required';
          problems.push({ file: doc.file, line, col, severity: 'error', object: '', path: field, message });
        }
        continue;
      }
      manifests.push({ object: value as KubeObject, file: doc.file, line: doc.start.line });
    }
  }
  return { manifests, problems: sortProblems(problems) };
}

/**
 * Kinds other objects depend on go first (a Namespace before what lives in it, a CRD before its
 * objects, templates before the Rollouts that name them); the rest keep their file order. Pruning
 * walks the same order backwards. Pure.
 */
const FIRST = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Secret',
  'ConfigMap',
  'Service',
  'ClusterAnalysisTemplate',
  'AnalysisTemplate',
];

export function kindRank(kind: string): number {
  const index = FIRST.indexOf(kind);
  return index < 0 ? FIRST.length : index;
}

export function applyOrder<T extends { kind: string }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => kindRank(a.item.kind) - kindRank(b.item.kind) || a.index - b.index)
    .map(({ item }) => item);
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { packageRoot } from '../package-root.ts';

/** `deploy/` of this package: the cluster-wide install that `bellwether install` applies. */
export const deployDir = join(packageRoot, 'deploy');

/** An object of a rendered kustomization and the file it came from (for messages). */
export interface RenderedObject {
  object: KubernetesObject;
  file: string;
}

/** The only fields `bellwether install` understands; kustomize proper handles everything else. */
const supportedFields = new Set(['apiVersion', 'kind', 'resources']);

/**
 * Renders a kustomization that only lists `resources` (YAML files, and directories holding a
 * kustomization of the same kind), in order, the way `kubectl kustomize` would. deploy/ is kept
 * that simple on purpose, so the CLI installs it without kubectl; any other field (patches,
 * namespace, generators...) is refused with the file and field named rather than silently
 * ignored. Objects are loaded through the client's YAML loader, which keeps wire names such as
 * `x-kubernetes-int-or-string` that its serializer needs. Like kustomize, an object listed twice
 * is an error.
 */
export function renderKustomization(dir: string): RenderedObject[] {
  const rendered = resourcesOf(dir);
  const files = new Map<string, string>();
  for (const { object, file } of rendered) {
    const key = objectKey(object);
    const first = files.get(key);
    if (first !== undefined) throw new Error(`${key} is defined twice: in ${first} and in ${file}`);
    files.set(key, file);
  }
  return rendered;
}

function resourcesOf(dir: string): RenderedObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const doc = load(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object') throw new Error(`${file}: not a YAML mapping`);
  for (const field of Object.keys(doc)) {
    if (!supportedFields.has(field))
      throw new Error(
        `${file}: field "${field}" is not supported by bellwether install (only resources); use kubectl apply -k`,
      );
  }
  const resources = doc.resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r): r is string => typeof r === 'string'))
    throw new Error(`${file}: resources must be a list of paths`);
  return resources.flatMap((entry) => {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource "${entry}" does not exist`);
    return statSync(path).isDirectory() ? resourcesOf(path) : objectsIn(path);
  });
}

function objectsIn(path: string): RenderedObject[] {
  const docs = loadAllYaml(readFileSync(path, 'utf8')) as unknown[];
  return docs
    .filter((doc) => doc !== null && doc !== undefined)
    .map((doc, index) => {
      const obj = doc as Partial<KubernetesObject>;
      if (typeof obj !== 'object' || !obj.kind || !obj.apiVersion || !obj.metadata?.name)
        throw new Error(`${path}: document ${index + 1} has no apiVersion, kind or metadata.name`);
      return { object: obj, file: relative(process.cwd(), path) || path };
    });
}

/** `kind/name` or `kind/namespace/name`: how objects are named in output and messages. */
export function objectKey(obj: KubernetesObject): string {
  const { namespace, name } = obj.metadata ?? {};
  return [obj.kind, namespace, name].filter(Boolean).join('/');
}

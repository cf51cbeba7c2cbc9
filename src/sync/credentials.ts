/**
 * Git credentials from a Secret (keys `username` + `password` or `token` for https,
 * `ssh-privatekey` for ssh: the `kubernetes.io/basic-auth` and `kubernetes.io/ssh-auth` types
 * fit), and the allowed signers of a GitSource from a Secret or ConfigMap key. Values are never
 * logged; errors name the object and the key only.
 */
import type { GitCredentials } from './git.ts';
import type { KubeRest } from './kube-rest.ts';

function decoded(data: Record<string, string>, key: string): string | undefined {
  const value = data[key];
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** `what` names the field that pointed here, e.g. `spec.secretRef` or `--credentials-secret`. */
export async function secretCredentials(
  rest: KubeRest,
  namespace: string,
  name: string,
  what: string,
): Promise<GitCredentials> {
  const secret = await rest.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret) throw new Error(`${what}: Secret ${namespace}/${name} not found`);
  const data = (secret.data ?? {}) as Record<string, string>;
  const password = decoded(data, 'password') ?? decoded(data, 'token');
  const username = decoded(data, 'username');
  const sshPrivateKey = decoded(data, 'ssh-privatekey');
  if (!password && !sshPrivateKey) {
    throw new Error(`${what}: Secret ${namespace}/${name} has no key password, token or ssh-privatekey`);
  }
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(sshPrivateKey ? { sshPrivateKey } : {}),
  };
}

/** The text at `key` of a Secret (base64-decoded) or a ConfigMap. */
export async function keyOf(
  rest: KubeRest,
  kind: 'Secret' | 'ConfigMap',
  namespace: string,
  ref: { name: string; key: string },
  what: string,
): Promise<string> {
  const object = await rest.get({ apiVersion: 'v1', kind, namespace, name: ref.name });
  if (!object) throw new Error(`${what}: ${kind} ${namespace}/${ref.name} not found`);
  const data = (object.data ?? {}) as Record<string, string>;
  const value = kind === 'Secret' ? decoded(data, ref.key) : data[ref.key];
  if (value === undefined || value.trim() === '')
    throw new Error(`${what}: ${kind} ${namespace}/${ref.name} has no key ${ref.key}`);
  return value;
}

import { group } from '../../kube/names.ts';
import type { Authenticator } from './authenticator.ts';
import type { Identity } from './identity.ts';

/**
 * May this user `patch` `resource` (`plural` or `plural/subresource` of bellwether.dev) in the
 * namespace (the object `name`, when given)? The question behind every button and every action.
 */
export function mayPatch(
  auth: Authenticator,
  identity: Identity,
  namespace: string,
  resource: string,
  name?: string,
): Promise<boolean> {
  const [plural = '', subresource] = resource.split('/');
  return auth.can(identity, {
    verb: 'patch',
    group,
    resource: plural,
    ...(subresource ? { subresource } : {}),
    namespace,
    ...(name ? { name } : {}),
  });
}

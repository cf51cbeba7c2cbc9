import type { KubernetesObject } from '@kubernetes/client-node';
import { annotations } from '../kube/names.ts';
import { containsDesired } from './compare.ts';
import {
  RoutingSpecError,
  type ObjectRef,
  type RoutingObject,
  type RoutingObjectClient,
  type RoutingTarget,
} from './types.ts';

export type { RoutingObject };

/** Reads an object the spec names; a missing one is a spec problem naming `field`. */
export async function readRequired(
  client: RoutingObjectClient,
  ref: ObjectRef,
  field: string,
): Promise<RoutingObject> {
  const obj = await client.read(ref);
  if (!obj)
    throw new RoutingSpecError(field, `${ref.kind} "${ref.name}" not found in namespace ${ref.namespace}`);
  return obj;
}

/** The apply body for fields of an existing object: identity, the managed-by annotation, `spec`. */
export function applyBody(
  ref: ObjectRef,
  target: RoutingTarget,
  spec: Record<string, unknown>,
  managed = true,
): RoutingObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      ...(managed ? { annotations: { [annotations.managedBy]: target.rollout.name } } : {}),
    },
    spec,
  };
}

/**
 * Applies `body` unless `current` already carries it (and, when restoring, no longer carries our
 * managed-by annotation): a reconcile that finds the routing as desired writes nothing.
 * Returns the number of writes (0 or 1).
 */
export async function applyIfChanged(
  client: RoutingObjectClient,
  current: KubernetesObject,
  body: RoutingObject,
): Promise<number> {
  const wantsAnnotation = body.metadata?.annotations?.[annotations.managedBy] !== undefined;
  const hasAnnotation = current.metadata?.annotations?.[annotations.managedBy] !== undefined;
  if (containsDesired(body, current) && wantsAnnotation === hasAnnotation) return 0;
  await client.apply(body);
  return 1;
}

/** Escapes a literal for use inside a regular expression (prefix matches become `^prefix.*`). */
export function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** exact / prefix / regex as one regular expression (for routers that only know exact and regex). */
export function asRegex(match: { exact?: string; prefix?: string; regex?: string }): string {
  if (match.regex !== undefined) return match.regex;
  if (match.prefix !== undefined) return `^${escapeRegex(match.prefix)}.*`;
  return `^${escapeRegex(match.exact ?? '')}$`;
}

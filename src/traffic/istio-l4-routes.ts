/**
 * Which TLS and TCP routes of a VirtualService carry the split, as Argo Rollouts picks them: a
 * `tlsRoutes` entry selects the `spec.tls` routes with a match on its port (when given) and with
 * exactly its SNI hosts (when given); a `tcpRoutes` entry selects the `spec.tcp` routes with a
 * match on its port. Every selector must select at least one route, or the spec names the field.
 * Pure.
 */
import type { IstioTcpRoute, IstioTlsRoute } from '../api/rollout.ts';

export interface L4Match {
  port?: number;
  sniHosts?: string[];
  [key: string]: unknown;
}

export interface L4Route {
  match?: L4Match[];
  route?: { destination: { host: string; subset?: string }; weight?: number }[];
  [key: string]: unknown;
}

function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((host, i) => host === [...b].sort()[i]);
}

function tlsMatches(selector: IstioTlsRoute, match: L4Match): boolean {
  if (selector.port !== undefined && match.port !== selector.port) return false;
  if (selector.sniHosts !== undefined && !sameHosts(selector.sniHosts, match.sniHosts ?? [])) return false;
  return true;
}

/** Indexes of the routes each selector picks; `missing` lists the selectors that picked none. */
export function selectL4Routes(
  kind: 'tls' | 'tcp',
  selectors: readonly (IstioTlsRoute | IstioTcpRoute)[],
  routes: readonly L4Route[],
): { indexes: number[]; missing: number[] } {
  const indexes = new Set<number>();
  const missing: number[] = [];
  selectors.forEach((selector, s) => {
    const hits = routes.flatMap((route, r) =>
      (route.match ?? []).some((m) =>
        kind === 'tls' ? tlsMatches(selector, m) : selector.port === undefined || m.port === selector.port,
      )
        ? [r]
        : [],
    );
    if (hits.length === 0) missing.push(s);
    for (const r of hits) indexes.add(r);
  });
  return { indexes: [...indexes].sort((a, b) => a - b), missing };
}

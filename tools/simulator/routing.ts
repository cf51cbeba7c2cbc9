import { SmoothWeightedRoundRobin } from './allocation.ts';

/**
 * What a simulated client sends. Headers (including `cookie`) are sent for real and are what
 * header/cookie routing (A/B tests, `setHeaderRoute`) decides on. Header names are matched
 * case-insensitively, as HTTP says.
 */
export interface SimulatedRequest {
  path: string;
  headers: Readonly<Record<string, string>>;
  /** Default GET. */
  method?: string;
}

/** One place a rule sends traffic to: a version, its share, and what the routing layer adds to its answers. */
export interface Destination {
  /** `rollouts-pod-template-hash` of the version. */
  hash: string;
  /** Only the ratio among the rule's destinations matters. */
  weight: number;
  /**
   * Response headers the routing layer adds to answers from this destination (e.g. a
   * `set-cookie` that pins a user to the variant: Gateway API backendRef filters, Istio
   * destination `headers.response`). Clients see them as if the app had sent them.
   */
  responseHeaders?: readonly (readonly [string, string])[];
}

/** A copy of matching requests sent to another version; its answer is discarded. */
export interface Mirror {
  hash: string;
  /** Share of the rule's requests mirrored, 0..100. */
  percent: number;
}

/** One routing rule: the requests it takes, where it splits them, and where it mirrors them. */
export interface RouteRule {
  /** Names the rule across reads, so its round robin keeps its place when the table is read again. */
  id: string;
  matches(request: SimulatedRequest): boolean;
  destinations: readonly Destination[];
  mirrors?: readonly Mirror[];
}

/**
 * The routing layer as one ordered list: the first rule that matches a request (and has a
 * running destination) takes it. Each router's own precedence (NGINX header > cookie > weight,
 * Gateway API most specific match, Istio list order) is already folded into the order.
 */
export interface RoutingTable {
  rules: readonly RouteRule[];
}

/** Anything that says how traffic is routed right now. Read on every control step of the simulator. */
export interface RoutingSource {
  currentTable(): Promise<RoutingTable>;
  /** What the last table was read from, e.g. `gatewayAPI HTTPRoute shop/web`. */
  following?(): string;
}

/** A route that sends every matching request to one version, whatever the weights say. */
export interface MatchRoute {
  /** `rollouts-pod-template-hash` of the version it sends to. */
  hash: string;
  matches(request: SimulatedRequest): boolean;
}

/** Weights plus optional header routes: the simple shape of a routing layer, e.g. the replica ratio. */
export interface WeightSource {
  /** Weight per pod template hash; only the ratios matter. */
  currentWeights(): Promise<Map<string, number>>;
  /** Routes checked before the weights, in order; sources without header routing leave this out. */
  currentMatchRoutes?(): Promise<MatchRoute[]>;
}

/** The table of a weight source: its match routes in order, then everything else by the weights. */
export function tableOf(
  weights: ReadonlyMap<string, number>,
  routes: readonly MatchRoute[] = [],
): RoutingTable {
  return {
    rules: [
      ...routes.map((route, i) => ({
        id: `match-${i}`,
        matches: (request: SimulatedRequest) => route.matches(request),
        destinations: [{ hash: route.hash, weight: 1 }],
      })),
      {
        id: 'weights',
        matches: () => true,
        destinations: [...weights].map(([hash, weight]) => ({ hash, weight })),
      },
    ],
  };
}

/** A weight source seen as a routing source. */
export function routingOfWeights(source: WeightSource): RoutingSource {
  return {
    currentTable: async () =>
      tableOf(await source.currentWeights(), (await source.currentMatchRoutes?.()) ?? []),
  };
}

/** Weights restricted to versions that are running: a router only sends traffic to ready endpoints. */
export function runningWeights(
  weights: ReadonlyMap<string, number>,
  running: ReadonlySet<string>,
): Map<string, number> {
  return new Map([...weights].filter(([hash]) => running.has(hash)));
}

/** Where one request goes: the version, the headers the routing layer adds, and the copies to mirror. */
export interface RouteChoice {
  hash: string;
  responseHeaders: readonly (readonly [string, string])[];
  mirrorTo: string[];
}

/**
 * Applies a routing table to requests, deterministically: each rule splits its requests with its
 * own smooth weighted round robin, and mirrors every request whose running count crosses the
 * next multiple of 100/percent, so a 20% mirror copies exactly 1 request in 5.
 */
export class TableRouter {
  private rules: readonly RouteRule[] = [];
  private running: ReadonlySet<string> = new Set();
  private readonly roundRobins = new Map<string, SmoothWeightedRoundRobin>();
  private readonly mirrorCounts = new Map<string, number>();

  /** Takes a newly read table and the versions running now; rules that stay keep their round robin. */
  update(table: RoutingTable, running: ReadonlySet<string>): void {
    this.rules = table.rules;
    this.running = running;
    const ids = new Set(table.rules.map((rule) => rule.id));
    for (const id of this.roundRobins.keys()) if (!ids.has(id)) this.roundRobins.delete(id);
    for (const rule of table.rules) {
      let roundRobin = this.roundRobins.get(rule.id);
      if (!roundRobin) {
        roundRobin = new SmoothWeightedRoundRobin();
        this.roundRobins.set(rule.id, roundRobin);
      }
      roundRobin.setWeights(runningWeights(summedWeights(rule.destinations), running));
    }
  }

  /**
   * The first matching rule with a running destination takes the request. A matching rule whose
   * versions are not running yet passes it on, as NGINX does for a canary without endpoints and
   * so a version still starting does not lose requests; undefined when no rule takes it.
   */
  route(request: SimulatedRequest): RouteChoice | undefined {
    for (const rule of this.rules) {
      if (!rule.matches(request)) continue;
      const hash = this.roundRobins.get(rule.id)?.next();
      if (hash === undefined) continue;
      const destination = rule.destinations.find((d) => d.hash === hash && d.weight > 0);
      return {
        hash,
        responseHeaders: destination?.responseHeaders ?? [],
        mirrorTo: this.mirrorsOf(rule),
      };
    }
    return undefined;
  }

  private mirrorsOf(rule: RouteRule): string[] {
    const mirrored: string[] = [];
    for (const [i, mirror] of (rule.mirrors ?? []).entries()) {
      if (!this.running.has(mirror.hash)) continue;
      const key = `${rule.id}/${i}`;
      const n = (this.mirrorCounts.get(key) ?? 0) + 1;
      this.mirrorCounts.set(key, n);
      if (Math.floor((n * mirror.percent) / 100) > Math.floor(((n - 1) * mirror.percent) / 100)) {
        mirrored.push(mirror.hash);
      }
    }
    return mirrored;
  }
}

/** Weight per hash: two Services that select the same version add up. */
export function summedWeights(destinations: readonly Destination[]): Map<string, number> {
  const weights = new Map<string, number>();
  for (const d of destinations) weights.set(d.hash, (weights.get(d.hash) ?? 0) + d.weight);
  return weights;
}

/** Ids for rules named by content, numbered when two are alike: `a`, `b`, `a` -> `a#1`, `b#1`, `a#2`. */
export function numberedIds(keys: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((key) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `${key}#${n}`;
  });
}

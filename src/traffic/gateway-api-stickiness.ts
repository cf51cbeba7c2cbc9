/**
 * Cookie stickiness for A/B tests on a Gateway API HTTPRoute (spec.strategy.abTest.stickiness.cookie).
 * Pure: rules in, rules out; the Gateway API router applies them with the weights.
 *
 * How a Gateway keeps a user on one variant with standard HTTPRoute features only:
 * - new users (no cookie) take the weighted rule; each of its backendRefs carries a
 *   ResponseHeaderModifier filter that adds `Set-Cookie: <name>=a-<id>|b-<id>; Path=/[; Max-Age=N]`
 *   (id: B's pod template hash, so each new test assigns users afresh), so the answer records the
 *   variant that served it;
 * - returning users match one of two extra rules, `bellwether-sticky-a` / `-b`, with the weighted
 *   rule's matches plus a `Cookie` header match (RegularExpression) on that value, each sending to
 *   that variant's Service alone. They win over the weighted rule because a match with more header
 *   matches takes precedence (Gateway API rule precedence), so a raised split only moves new users.
 * With no traffic on B (before the test, after the decision) the rules and filters are removed.
 * Backend filters and header regexes are Gateway API "Extended"/implementation-specific features
 * (Envoy Gateway, Istio and Cilium implement them).
 */

export const STICKY_RULE_PREFIX = 'bellwether-sticky-';

interface HeaderModifierFilter {
  type: string;
  responseHeaderModifier?: { add?: { name: string; value: string }[]; set?: unknown[]; remove?: unknown[] };
  [key: string]: unknown;
}

export interface StickyBackendRef {
  name: string;
  weight?: number;
  filters?: HeaderModifierFilter[];
  [key: string]: unknown;
}

export interface StickyRule {
  name?: string;
  matches?: { headers?: { type?: string; name: string; value: string }[]; [key: string]: unknown }[];
  backendRefs?: StickyBackendRef[];
  [key: string]: unknown;
}

export interface StickinessOptions {
  cookie: { name: string; maxAgeSeconds?: number } | undefined;
  /**
   * Names this test in the cookie value (B's pod template hash), so a user pinned during an
   * earlier test is assigned afresh when a new B is tested.
   */
  testId?: string | undefined;
  /** B's share (percent): no stickiness at 0, when nothing is being tested. */
  canaryWeight: number;
  isCanary(ref: StickyBackendRef): boolean;
  isStable(ref: StickyBackendRef): boolean;
  /** The rules that split between the two variants by weight. */
  isWeighted(rule: StickyRule): boolean;
}

/** `rules` with this router's sticky rules and cookie filters, for the current weight. */
export function withCookieStickiness<R extends StickyRule>(
  rules: readonly R[],
  options: StickinessOptions,
): R[] {
  const cookie = options.cookie;
  const valueOf = (variant: 'a' | 'b') =>
    options.testId === undefined || options.testId === '' ? variant : `${variant}-${options.testId}`;
  const base = rules
    .filter((rule) => !(rule.name ?? '').startsWith(STICKY_RULE_PREFIX))
    .map((rule) => withoutCookieFilters(rule, cookie?.name));
  if (cookie === undefined || options.canaryWeight <= 0) return base;
  const variantOf = (ref: StickyBackendRef): 'a' | 'b' | undefined =>
    options.isCanary(ref) ? 'b' : options.isStable(ref) ? 'a' : undefined;
  const marked = base.map((rule) => {
    if (!options.isWeighted(rule)) return rule;
    const backendRefs = (rule.backendRefs ?? []).map((ref) => {
      const variant = variantOf(ref);
      return variant === undefined
        ? ref
        : { ...ref, filters: [...(ref.filters ?? []), setCookieFilter(cookie, valueOf(variant))] };
    });
    return { ...rule, backendRefs };
  });
  const first = marked.find((rule) => options.isWeighted(rule));
  if (first === undefined) return marked;
  const pinned = (variant: 'a' | 'b'): R => {
    const ref = (first.backendRefs ?? []).find((r) => variantOf(r) === variant);
    const { weight: _weight, filters: _filters, ...plain } = ref ?? { name: '' };
    const matches = first.matches?.length ? first.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
    return {
      ...first,
      name: `${STICKY_RULE_PREFIX}${variant}`,
      matches: matches.map((m) => ({
        ...m,
        headers: [...(m.headers ?? []), cookieMatch(cookie.name, valueOf(variant))],
      })),
      backendRefs: [plain],
    };
  };
  return [...marked, pinned('a'), pinned('b')];
}

/** A `Cookie` header carrying `<name>=<value>` among its cookies (a full-match RE2 pattern). */
export function cookieMatch(name: string, value: string) {
  return {
    type: 'RegularExpression',
    name: 'Cookie',
    value: `(.*;\\s*)?${escapeRegex(name)}=${escapeRegex(value)}(;.*)?`,
  };
}

function setCookieFilter(
  cookie: { name: string; maxAgeSeconds?: number },
  value: string,
): HeaderModifierFilter {
  const maxAge = cookie.maxAgeSeconds === undefined ? '' : `; Max-Age=${cookie.maxAgeSeconds}`;
  return {
    type: 'ResponseHeaderModifier',
    responseHeaderModifier: {
      add: [{ name: 'Set-Cookie', value: `${cookie.name}=${value}; Path=/${maxAge}` }],
    },
  };
}

/** The rule without the Set-Cookie filters this router added for `cookieName` (any earlier split). */
function withoutCookieFilters<R extends StickyRule>(rule: R, cookieName: string | undefined): R {
  if (!rule.backendRefs?.some((ref) => ref.filters?.some(isOurs))) return rule;
  const backendRefs = rule.backendRefs.map((ref) => {
    const filters = (ref.filters ?? []).filter((f) => !isOurs(f));
    const { filters: _old, ...rest } = ref;
    return filters.length > 0 ? { ...rest, filters } : rest;
  });
  return { ...rule, backendRefs };

  function isOurs(filter: HeaderModifierFilter): boolean {
    const add = filter.responseHeaderModifier?.add ?? [];
    return (
      filter.type === 'ResponseHeaderModifier' &&
      add.length === 1 &&
      add[0]?.name === 'Set-Cookie' &&
      /^[^=;]+=[ab](-[a-z0-9]+)?; Path=\/(; Max-Age=\d+)?$/.test(add[0].value) &&
      (cookieName === undefined || add[0].value.startsWith(`${cookieName}=`))
    );
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

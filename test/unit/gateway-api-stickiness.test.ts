import { describe, expect, it } from 'vitest';
import { gatewayRoutingRules, type HTTPRoute } from '../../tools/simulator/gateway-routing.ts';
import {
  STICKY_RULE_PREFIX,
  withCookieStickiness,
  type StickyRule,
} from '../../src/traffic/gateway-api-stickiness.ts';
import { abTestStickinessProblems } from '../../src/traffic/stickiness-support.ts';

const weighted: StickyRule = {
  matches: [{ path: { type: 'PathPrefix', value: '/' } }],
  backendRefs: [
    { name: 'shop-a', port: 80, weight: 50 },
    { name: 'shop-b', port: 80, weight: 50 },
  ],
};
const options = (canaryWeight: number) => ({
  cookie: { name: 'variant', maxAgeSeconds: 3600 },
  testId: 'h2',
  canaryWeight,
  isCanary: (ref: { name: string }) => ref.name === 'shop-b',
  isStable: (ref: { name: string }) => ref.name === 'shop-a',
  isWeighted: (rule: StickyRule) => (rule.backendRefs ?? []).length === 2,
});

describe('withCookieStickiness', () => {
  it('marks each weighted backend with its Set-Cookie and pins returning users by a Cookie match', () => {
    const rules = withCookieStickiness([weighted], options(50));
    expect(rules.map((r) => r.name)).toEqual([undefined, `${STICKY_RULE_PREFIX}a`, `${STICKY_RULE_PREFIX}b`]);
    expect(rules[0]?.backendRefs?.map((r) => r.filters)).toEqual([
      [
        {
          type: 'ResponseHeaderModifier',
          responseHeaderModifier: {
            add: [{ name: 'Set-Cookie', value: 'variant=a-h2; Path=/; Max-Age=3600' }],
          },
        },
      ],
      [
        {
          type: 'ResponseHeaderModifier',
          responseHeaderModifier: {
            add: [{ name: 'Set-Cookie', value: 'variant=b-h2; Path=/; Max-Age=3600' }],
          },
        },
      ],
    ]);
    expect(rules[2]).toEqual({
      name: `${STICKY_RULE_PREFIX}b`,
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'RegularExpression', name: 'Cookie', value: '(.*;\\s*)?variant=b-h2(;.*)?' }],
        },
      ],
      backendRefs: [{ name: 'shop-b', port: 80 }],
    });
  });

  it('is idempotent, and removes its rules and filters when B gets no traffic', () => {
    const once = withCookieStickiness([weighted], options(50));
    expect(withCookieStickiness(once, options(50))).toEqual(once);
    expect(withCookieStickiness(once, options(0))).toEqual([weighted]);
  });

  it('as a Gateway applies it: the cookie pins a user, whatever the weights', () => {
    const route: HTTPRoute = {
      metadata: { namespace: 'ns' },
      spec: { rules: withCookieStickiness([weighted], options(10)) },
    } as HTTPRoute;
    const lookup = (name: string) => [{ hash: name === 'shop-b' ? 'vb' : 'va', share: 1 }];
    const rules = gatewayRoutingRules(route, lookup);
    const first = (cookie: string) =>
      rules.find((rule) => rule.matches({ path: '/', headers: cookie === '' ? {} : { cookie } }));
    expect(first('theme=dark; variant=b-h2; x=1')?.id).toContain(`${STICKY_RULE_PREFIX}b`);
    expect(first('variant=a-h2')?.id).toContain(`${STICKY_RULE_PREFIX}a`);
    expect(first('variant=bb')?.id).not.toContain(STICKY_RULE_PREFIX);
    // pinned during an earlier test (another B): assigned afresh
    expect(first('variant=b-h1')?.id).not.toContain(STICKY_RULE_PREFIX);
    expect(first('')?.id).not.toContain(STICKY_RULE_PREFIX);
  });
});

describe('abTestStickinessProblems', () => {
  const spec = (stickiness: object, trafficRouting: object) =>
    ({
      strategy: {
        abTest: {
          variants: { a: { service: 'a' }, b: { service: 'b' } },
          split: { a: 50, b: 50 },
          stickiness,
          trafficRouting,
        },
      },
    }) as never;
  it('names the stickiness field when the router cannot keep users on a variant that way', () => {
    expect(
      abTestStickinessProblems(spec({ cookie: { name: 'v' } }, { gatewayAPI: { httpRoute: 'r' } })),
    ).toEqual([]);
    expect(
      abTestStickinessProblems(spec({ header: { name: 'X-User' } }, { gatewayAPI: { httpRoute: 'r' } })),
    ).toEqual([
      'spec.strategy.abTest.stickiness.header: the gatewayAPI router does not keep users on a variant by header (supported: none yet)',
    ]);
    expect(
      abTestStickinessProblems(spec({ cookie: { name: 'v' } }, { nginx: { stableIngress: 'i' } })),
    ).toEqual([
      'spec.strategy.abTest.stickiness.cookie: the nginx router does not keep users on a variant by cookie (supported: gatewayAPI cookie)',
    ]);
  });
});

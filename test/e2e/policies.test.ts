import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from '../../src/install/apply.ts';
import { readPolicyPaths } from '../../src/lint/policy-sources.ts';
import { policiesBoundTo } from '../support/manifests.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout } from '../support/rollouts.ts';

const analysis = { analysis: { templates: [{ templateName: 'success-rate' }] } };

/** The message a policy of deploy/policies/ declares: what both the API server and lint print. */
function messageOf(policy: string): string {
  const found = readPolicyPaths(['deploy/policies']).set.policies.find((p) => p.name === policy);
  const validations = found?.spec.validations as { message: string }[] | undefined;
  const message = validations?.[0]?.message;
  if (message === undefined) throw new Error(`no message in policy ${policy}`);
  return message;
}
const ANALYSIS_BEFORE_FULL_MESSAGE = messageOf('bellwether-canary-analysis-before-full');
const MAX_STEP_WEIGHT_MESSAGE = messageOf('bellwether-canary-max-step-weight');

/** The reason the API server gave for rejecting `body`, or undefined when it was accepted. */
async function rejection(c: Clients, namespace: string, body: object): Promise<string | undefined> {
  try {
    await createRollout(c, namespace, body);
    return undefined;
  } catch (err) {
    const body = (err as { body?: unknown }).body;
    return typeof body === 'string' ? body : JSON.stringify(body ?? String(err));
  }
}

describe('admission policies (deploy/policies)', () => {
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let objects: KubernetesObject[];

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'policies');
    // The bindings as shipped match every namespace; here they are narrowed to the test namespace
    // so other test files sharing the API server are not affected.
    objects = policiesBoundTo(ns.name);
    await applyObjects(c.kc, objects, 'bellwether-e2e');
  });
  afterAll(async () => {
    for (const obj of [...objects].reverse()) await c.objects.delete(obj).catch(() => undefined);
    await ns.cleanup();
  });

  it('rejects a canary without an analysis before 100% (once the policy is active)', async () => {
    let n = 0;
    const reason = await eventually(
      'the policy to reject a Rollout',
      async () => {
        const body = canaryRollout(`no-analysis-${n++}`, 'a:1', {
          strategy: {
            canary: { steps: [{ setWeight: 20 }, { pause: { duration: 10 } }, { setWeight: 40 }] },
          },
        });
        return rejection(c, ns.name, body);
      },
      60_000,
    );
    expect(reason).toContain('bellwether-canary-analysis-before-full');
    expect(reason).toContain(ANALYSIS_BEFORE_FULL_MESSAGE);
  });

  it('rejects a setWeight step that raises the weight by more than 50 points', async () => {
    const body = canaryRollout('big-step', 'a:1', {
      strategy: { canary: { steps: [{ setWeight: 10 }, analysis, { setWeight: 70 }] } },
    });
    const reason = await eventually('the max step weight policy', () => rejection(c, ns.name, body), 60_000);
    expect(reason).toContain('bellwether-canary-max-step-weight');
    expect(reason).toContain(MAX_STEP_WEIGHT_MESSAGE);
  });

  it('accepts a compliant canary, and one gated by a background analysis', async () => {
    const compliant = canaryRollout('compliant', 'a:1', {
      strategy: {
        canary: {
          steps: [{ setWeight: 20 }, analysis, { setWeight: 60 }, { pause: {} }, { setWeight: 100 }],
        },
      },
    });
    expect(await rejection(c, ns.name, compliant)).toBeUndefined();
    const background = canaryRollout('background', 'a:1', {
      strategy: { canary: { analysis: analysis.analysis, steps: [{ setWeight: 50 }, { setWeight: 100 }] } },
    });
    expect(await rejection(c, ns.name, background)).toBeUndefined();
  });
});

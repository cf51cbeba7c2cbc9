import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LuaFactory, type LuaEngine } from 'wasmoon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../tools/cluster/layout.ts';

// The Argo CD health check runs in a real Lua 5.4 interpreter (wasmoon; Argo CD embeds gopher-lua
// 5.1: the script uses only what both have) against sample Rollout statuses.
const script = readFileSync(join(repoRoot, 'deploy/argocd/health.lua'), 'utf8');

describe('Argo CD health.lua for bellwether.dev/Rollout', () => {
  let lua: LuaEngine;
  beforeAll(async () => {
    lua = await new LuaFactory().createEngine();
  });
  afterAll(() => {
    lua.global.close();
  });

  const health = async (obj: object) => {
    lua.global.set('obj', obj);
    return (await lua.doString(script)) as { status: string; message: string };
  };
  const rollout = (status: object | undefined, spec: object = {}, generation = 2) => ({
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', generation },
    spec,
    ...(status ? { status } : {}),
  });

  it('is Progressing before the controller wrote any status or saw the latest generation', async () => {
    expect((await health(rollout(undefined))).status).toBe('Progressing');
    const stale = await health(rollout({ observedGeneration: 1, phase: 'Healthy' }));
    expect(stale).toEqual({
      status: 'Progressing',
      message: 'Waiting for the controller to observe generation 2',
    });
  });

  it('maps the phases: Healthy, Paused -> Suspended, Progressing, Degraded', async () => {
    const at = (phase: string, message = '') => health(rollout({ observedGeneration: 2, phase, message }));
    expect(await at('Healthy')).toEqual({ status: 'Healthy', message: '' });
    expect(await at('Paused', 'CanaryPauseStep')).toEqual({
      status: 'Suspended',
      message: 'CanaryPauseStep',
    });
    expect((await at('Progressing', 'more replicas need to be updated')).status).toBe('Progressing');
    expect(await at('Degraded', 'ProgressDeadlineExceeded')).toEqual({
      status: 'Degraded',
      message: 'ProgressDeadlineExceeded',
    });
  });

  it('is Degraded when aborted or invalid, Suspended when spec.paused', async () => {
    const aborted = await health(
      rollout({ observedGeneration: 2, phase: 'Degraded', abort: true, message: 'RolloutAborted' }),
    );
    expect(aborted).toEqual({ status: 'Degraded', message: 'Rollout aborted: RolloutAborted' });
    const invalid = await health(
      rollout({
        observedGeneration: 2,
        phase: 'Degraded',
        conditions: [
          { type: 'Progressing', status: 'True' },
          { type: 'InvalidSpec', status: 'True', message: 'spec.replicas: must be at least 0' },
        ],
      }),
    );
    expect(invalid).toEqual({
      status: 'Degraded',
      message: 'InvalidSpec: spec.replicas: must be at least 0',
    });
    const paused = await health(rollout({ observedGeneration: 2, phase: 'Progressing' }, { paused: true }));
    expect(paused.status).toBe('Suspended');
  });

  it('is the script the argocd-cm snippet carries', () => {
    const configMap = parse(readFileSync(join(repoRoot, 'deploy/argocd/argocd-cm.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    expect(configMap.data['resource.customizations.health.bellwether.dev_Rollout']).toBe(script);
  });
});

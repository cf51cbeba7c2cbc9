import { describe, expect, it } from 'vitest';
import type { RolloutSpecView } from '../../strategies/types.ts';
import { trafficStepProblems } from './capabilities.ts';

const spec = (trafficRouting: object, steps: object[]): RolloutSpecView => ({
  strategy: { canary: { canaryService: 'c', stableService: 's', trafficRouting, steps } },
});

describe('trafficStepProblems', () => {
  const header = { setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } };
  const mirror = { setMirrorRoute: { name: 'm', match: [{ path: { prefix: '/' } }] } };

  it('names the step field and the router that cannot carry it', () => {
    expect(
      trafficStepProblems(spec({ smi: {} }, [{ setWeight: 10 }, header, { pause: {} }, mirror])),
    ).toEqual([
      'spec.strategy.canary.steps[1].setHeaderRoute: the smi router does not support header routes',
      'spec.strategy.canary.steps[3].setMirrorRoute: the smi router does not support mirror routes',
    ]);
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [mirror]))).toEqual([
      'spec.strategy.canary.steps[0].setMirrorRoute: the nginx router does not support mirror routes',
    ]);
  });

  it('accepts what the routers support', () => {
    expect(trafficStepProblems(spec({ gatewayAPI: { httpRoute: 'r' } }, [header, mirror]))).toEqual([]);
    expect(trafficStepProblems(spec({ istio: { virtualService: { name: 'v' } } }, [header, mirror]))).toEqual(
      [],
    );
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [header, header]))).toEqual([]);
  });

  it('nginx: one header route with one match', () => {
    const two = {
      setHeaderRoute: { name: 'h', match: [header.setHeaderRoute.match[0], header.setHeaderRoute.match[0]] },
    };
    const other = { setHeaderRoute: { name: 'other', match: header.setHeaderRoute.match } };
    expect(trafficStepProblems(spec({ nginx: { stableIngress: 'i' } }, [two, other]))).toEqual([
      'spec.strategy.canary.steps[0].setHeaderRoute.match: the nginx router supports one header match (canary-by-header)',
      'spec.strategy.canary.steps[1].setHeaderRoute.name: the nginx router supports one header route (canary-by-header)',
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { installCrdObjects } from '../../src/install/apply.ts';

/**
 * The CRDs of the traffic routers, exactly as their projects publish them, fetched through the Go
 * module proxy (the only registry that carries them here) and cached by the Go module cache, so a
 * clean clone gets them reproducibly and nothing is copied into this repository.
 *
 * - Gateway API HTTPRoute (and its siblings) from the standard channel of sigs.k8s.io/gateway-api;
 * - Istio VirtualService and DestinationRule from istio.io/api;
 * - SMI TrafficSplit as Open Service Mesh ships it (served version split.smi-spec.io/v1alpha2):
 *   the SMI SDK itself still ships an apiextensions/v1beta1 CRD that Kubernetes >= 1.22 rejects.
 */
export const thirdPartyCrdSources = [
  {
    module: 'sigs.k8s.io/gateway-api',
    version: 'v1.4.1',
    file: 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml',
  },
  {
    module: 'sigs.k8s.io/gateway-api',
    version: 'v1.4.1',
    file: 'config/crd/standard/gateway.networking.k8s.io_gateways.yaml',
  },
  {
    module: 'istio.io/api',
    version: 'v1.24.2',
    file: 'kubernetes/customresourcedefinitions.gen.yaml',
    only: ['virtualservices.networking.istio.io', 'destinationrules.networking.istio.io'],
  },
  {
    module: 'github.com/openservicemesh/osm',
    version: 'v1.2.4',
    file: 'cmd/osm-bootstrap/crds/smi_traffic_split.yaml',
  },
] as const;

/** `go` from PATH, else where the Go toolchain is installed on these machines. */
function goBinary(): string {
  const fallback = '/usr/local/go/bin/go';
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return 'go';
  } catch {
    if (existsSync(fallback)) return fallback;
    throw new Error('the go command is needed to fetch the traffic router CRDs (not on PATH)');
  }
}

/** Downloads one module version into the Go module cache (a no-op when cached); returns its directory. */
export function moduleDir(module: string, version: string): string {
  const out = execFileSync(goBinary(), ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/** The router CRDs as objects, parsed with the client's loader (keeps x-kubernetes-* fields). */
export function thirdPartyCrds(): KubernetesObject[] {
  return thirdPartyCrdSources.flatMap((source) => {
    const text = readFileSync(join(moduleDir(source.module, source.version), source.file), 'utf8');
    const only: readonly string[] | undefined = 'only' in source ? source.only : undefined;
    return (loadAllYaml(text) as (KubernetesObject | null)[]).filter(
      (doc): doc is KubernetesObject =>
        doc?.kind === 'CustomResourceDefinition' && (!only || only.includes(doc.metadata?.name ?? '')),
    );
  });
}

/** Installs the router CRDs and waits until they are served. */
export async function installThirdPartyCrds(kc: KubeConfig): Promise<string[]> {
  return installCrdObjects(kc, thirdPartyCrds());
}
